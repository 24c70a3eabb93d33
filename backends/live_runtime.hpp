#pragma once
// The runtime seam of a live backend for one rank: checks the program's calls and turns
// them into Work items (live_work.hpp) of the backend's world (a LiveWorld: CpuWorld,
// CudaWorld), which runs them on its streams (CPU threads, or CUDA streams). Also the
// loop both backends run their rank programs with (run_rank_programs).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "backends/live_input.hpp"
#include "backends/live_work.hpp"
#include "core/runtime.hpp"

namespace lcperf::backends {

template <typename World>
class LiveRuntime final : public core::Runtime {
 public:
  LiveRuntime(World& world, int rank) : world_(world), rank_(rank) {}

  int rank() const override { return rank_; }
  int world_size() const override { return world_.ranks(); }

  core::Tensor allocate(const core::TensorDesc& desc) override { return world_.allocate(rank_, desc); }
  void release(core::Tensor& tensor) override { world_.release(rank_, tensor); }

  core::Completion launch(const core::KernelOp& op, core::StreamId stream) override {
    Work work;
    work.kind = Work::Kind::kernel;
    work.op = core::expanded(op);  // a compact repeat runs every copy
    work.name = op.name;
    work.category = op.category;
    work.micro_batch = op.micro_batch;
    return track(world_.enqueue(rank_, stream, std::move(work)));
  }

  core::Completion send(const core::Tensor& tensor, int peer, core::StreamId stream, int tag) override {
    return p2p(true, tensor, peer, stream, tag);
  }
  core::Completion recv(const core::Tensor& tensor, int peer, core::StreamId stream, int tag) override {
    return p2p(false, tensor, peer, stream, tag);
  }

  core::Completion collective(core::CollectiveKind kind, const core::CommGroup& group, const core::Tensor& tensor,
                              core::StreamId stream) override {
    if (std::find(group.ranks.begin(), group.ranks.end(), rank_) == group.ranks.end()) {
      throw std::logic_error("rank " + std::to_string(rank_) + " joins collective of group '" + group.name +
                             "' it is not a member of");
    }
    for (int r : group.ranks) check_peer(r, "collective", true);
    if (!tensor.valid()) throw std::logic_error("rank " + std::to_string(rank_) + ": collective on an invalid tensor");
    Work work;
    work.kind = Work::Kind::collective;
    work.name = std::string(core::to_string(kind)) + " " + group.name + " " + tensor.desc.name;
    work.category = "collective";
    work.tensor = tensor.id;
    work.bytes = tensor.bytes();
    work.dtype = tensor.desc.dtype;
    work.collective = kind;
    work.group = std::make_shared<const core::CommGroup>(group);
    return track(world_.enqueue(rank_, stream, std::move(work)));
  }

  void wait(core::Completion completion) override { world_.wait(rank_, completion.id); }
  void synchronize() override {
    for (std::uint64_t id : issued_) world_.wait(rank_, id);
    issued_.clear();
  }

  double now_s() const override { return world_.now_s(); }
  void sleep_until(double time_s) override {
    std::this_thread::sleep_until(world_.start() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                        std::chrono::duration<double>(time_s)));
  }

  void post_message(int to, const core::Message& message) override { world_.post_message(rank_, to, message); }
  std::optional<core::Message> receive_message(double timeout_s) override {
    return world_.receive_message(rank_, timeout_s);
  }

  void log_decision(std::string_view kind, std::string_view detail) override {
    world_.log_decision(rank_, kind, detail);
  }

  World& world() { return world_; }

 private:
  core::Completion track(std::uint64_t id) {
    issued_.push_back(id);
    return core::Completion{id};
  }

  void check_peer(int peer, const char* what, bool self_allowed) const {
    if (peer < 0 || peer >= world_.ranks() || (!self_allowed && peer == rank_)) {
      throw std::logic_error("rank " + std::to_string(rank_) + ": " + what + " with invalid peer " +
                             std::to_string(peer));
    }
  }

  core::Completion p2p(bool sending, const core::Tensor& tensor, int peer, core::StreamId stream, int tag) {
    check_peer(peer, sending ? "send" : "recv", false);
    if (!tensor.valid()) {
      throw std::logic_error("rank " + std::to_string(rank_) + ": " + (sending ? "send" : "recv") +
                             " of an invalid tensor");
    }
    Work work;
    work.kind = sending ? Work::Kind::send : Work::Kind::recv;
    work.name = (sending ? "send " : "recv ") + tensor.desc.name + (sending ? " to " : " from ") + std::to_string(peer);
    work.category = "p2p";
    work.tensor = tensor.id;
    work.bytes = tensor.bytes();
    work.dtype = tensor.desc.dtype;
    work.peer = peer;
    work.tag = tag;
    return track(world_.enqueue(rank_, stream, std::move(work)));
  }

  World& world_;
  int rank_;
  std::vector<std::uint64_t> issued_;  // completions not yet waited for by synchronize()
};

// Runs programs[r] as rank r, each on a thread of its own in `world`, then returns
// world.finish(): the records, or the run's error (LiveDeadlockError on deadlock,
// std::runtime_error("rank R: ...") when a program throws).
template <typename World>
LiveResult run_rank_programs(World& world, const std::vector<core::RankProgram>& programs) {
  std::vector<std::thread> threads;
  for (int r = 0; r < world.ranks(); ++r) {
    threads.emplace_back([&world, &programs, r] {
      try {
        world.enter_rank(r);
        LiveRuntime<World> runtime(world, r);
        programs[static_cast<std::size_t>(r)](runtime);
        runtime.synchronize();
        world.rank_finished(r);
      } catch (const LiveDeadlockError&) {
        // The world holds the report; finish() throws it.
      } catch (const std::exception& e) {
        world.rank_failed(r, e.what());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return world.finish();
}

}  // namespace lcperf::backends
