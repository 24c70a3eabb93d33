#include "backends/cpu/cpu_runtime.hpp"

#include <algorithm>
#include <memory>
#include <thread>

#include "backends/cpu/cpu_world.hpp"

namespace lcperf::backends::cpu {

namespace {

// One rank's view of the world; the rank program runs on its own thread.
class CpuRuntime final : public core::Runtime {
 public:
  CpuRuntime(CpuWorld& world, int rank) : world_(world), rank_(rank) {}

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

  friend std::span<std::byte> lcperf::backends::cpu::live_buffer(core::Runtime&, const core::Tensor&);

  CpuWorld& world_;
  int rank_;
  std::vector<std::uint64_t> issued_;
};

}  // namespace

std::span<std::byte> live_buffer(core::Runtime& runtime, const core::Tensor& tensor) {
  auto* cpu = dynamic_cast<CpuRuntime*>(&runtime);
  if (cpu == nullptr) throw std::logic_error("live_buffer: not a runtime of the live CPU backend");
  return cpu->world_.buffer_span(tensor);
}

LiveResult run_live(const LiveInput& input) {
  if (input.ranks <= 0) throw std::invalid_argument("run_live: ranks must be positive");
  if (!input.program_for) throw std::invalid_argument("run_live: program_for is empty");
  if (input.memory_capacity_bytes <= 0) throw std::invalid_argument("run_live: memory_capacity_bytes must be positive");
  std::vector<core::RankProgram> programs;
  for (int r = 0; r < input.ranks; ++r) programs.push_back(input.program_for(r));

  CpuWorld world(input);
  std::vector<std::thread> threads;
  for (int r = 0; r < input.ranks; ++r) {
    threads.emplace_back([&world, &programs, r] {
      CpuRuntime runtime(world, r);
      try {
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

}  // namespace lcperf::backends::cpu
