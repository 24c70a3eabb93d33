#pragma once
// The runtime seam of a live backend for one rank: checks the program's calls and turns
// them into work items of the backend's world, which runs them on its streams (CPU
// threads, or CUDA streams). The CPU and CUDA backends share it; their worlds provide
//   int ranks(); Tensor allocate(rank, desc); void release(rank, Tensor&);
//   uint64_t enqueue(rank, stream, WorkT); void wait(rank, id); double now_s();
//   steady_clock::time_point start(); post_message/receive_message/log_decision(rank, ...)
// and their work items the fields set below.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/runtime.hpp"

namespace lcperf::backends {

template <typename World, typename WorkT>
class LiveRuntime final : public core::Runtime {
 public:
  LiveRuntime(World& world, int rank) : world_(world), rank_(rank) {}

  int rank() const override { return rank_; }
  int world_size() const override { return world_.ranks(); }

  core::Tensor allocate(const core::TensorDesc& desc) override { return world_.allocate(rank_, desc); }
  void release(core::Tensor& tensor) override { world_.release(rank_, tensor); }

  core::Completion launch(const core::KernelOp& op, core::StreamId stream) override {
    WorkT work;
    work.kind = WorkT::Kind::kernel;
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
    WorkT work;
    work.kind = WorkT::Kind::collective;
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
    WorkT work;
    work.kind = sending ? WorkT::Kind::send : WorkT::Kind::recv;
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

}  // namespace lcperf::backends
