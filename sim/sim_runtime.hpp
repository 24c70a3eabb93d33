#pragma once
// The simulated implementation of the runtime seam for one rank.
#include <optional>

#include "core/runtime.hpp"
#include "sim/sim_world.hpp"

namespace lcperf::sim {

class SimRuntime final : public core::Runtime {
 public:
  SimRuntime(SimWorld& world, int actor) : world_(world), actor_(actor), rank_(world.rank_of_actor(actor)) {}
  ~SimRuntime() override;
  SimRuntime(const SimRuntime&) = delete;
  SimRuntime& operator=(const SimRuntime&) = delete;

  int rank() const override { return rank_; }
  int world_size() const override { return world_.ranks(); }

  core::Tensor allocate(const core::TensorDesc& desc) override;
  void release(core::Tensor& tensor) override;

  core::Completion launch(const core::KernelOp& op, core::StreamId stream) override;
  core::Completion send(const core::Tensor& tensor, int peer, core::StreamId stream, int tag) override;
  core::Completion recv(const core::Tensor& tensor, int peer, core::StreamId stream, int tag) override;
  core::Completion collective(core::CollectiveKind kind, const core::CommGroup& group, const core::Tensor& tensor,
                              core::StreamId stream) override;
  void wait(core::Completion completion) override;
  void synchronize() override;

  double now_s() const override;
  void sleep_until(double time_s) override;

  void post_message(int to, const core::Message& message) override;
  std::optional<core::Message> receive_message(double timeout_s) override;

  void log_decision(std::string_view kind, std::string_view detail) override;

 private:
  // Queues `work` (a slot of SimWorld::new_work(), filled in) on `stream`.
  core::Completion enqueue(core::StreamId stream, StreamWork* work);
  core::Completion p2p(bool sending, const core::Tensor& tensor, int peer, core::StreamId stream, int tag);
  // Hands deferred work to its stream actors; called before anything that lets time
  // pass or queues work on a busy stream, so deferral never changes when work starts.
  // `except` keeps that stream's work deferred.
  void flush_deferred(core::StreamId except = -1) {
    if (deferring_ != 0) flush_deferred_work(except);
  }
  void flush_deferred_work(core::StreamId except);
  // Runs deferred work up to `completion` in the calling actor (after handing every
  // other stream's deferred work to its actor, which starts it at this same time);
  // false if not deferred.
  bool run_deferred_until(std::uint64_t completion);
  // Run-ahead (SimulationInput::run_ahead): whether `work` may run on this rank's own
  // clock, and bringing the simulated clock up to that clock before anything else.
  bool may_run_ahead(const StreamWork& work, core::StreamId stream);
  void catch_up();
  // The actor simulating `peer`; throws when the peer is invalid or, with folding, not
  // the first rank of its group (the program is then not symmetric within the group).
  int actor_of_peer(int peer, const char* what) const;

  SimWorld& world_;
  int actor_;
  int rank_;
  std::vector<std::uint64_t> issued_;  // completions not yet known to be done
  // A receive_message that timed out keeps its pending get for the next call: cancelling
  // it could drop a message whose transfer had already begun (a large one, or a small one
  // caught in its latency), which a protocol would then wait for forever.
  TransferPtr pending_message_;
  // Work launched, in order, on a stream that was idle when the first of it was
  // launched, and not yet handed to the stream's actor: when the program waits on one
  // of it, the rank actor runs the chain up to that op itself (as the stream actor
  // would, at the same simulated times) and saves two context switches per op. Several
  // streams may hold deferred work at once (a pipeline stage's send and its next
  // receive), each with its own chain, in the order they were first deferred.
  // One entry per stream that ever held deferred work, kept (with its queue's storage)
  // when empty, so deferring allocates nothing once warm.
  struct Deferred {
    core::StreamId stream = 0;
    std::uint64_t since = 0;  // when its work was first deferred: flushes go in this order
    WorkQueue<StreamWork*> work;  // slots of SimWorld::new_work()
  };
  std::vector<Deferred> deferred_;
  std::size_t deferring_ = 0;     // entries holding work
  std::uint64_t deferrals_ = 0;   // numbers Deferred::since
  double ahead_s_ = 0;  // how far this rank's clock runs ahead of the engine's
};

}  // namespace lcperf::sim
