#pragma once
// The serving stack's host work around an engine step, as host ops on the engine's
// timeline (core::kHostStream): scheduling and input preparation before the GPU work,
// sampling and output processing after it, and the wait for kernel launches the GPU
// could not run ahead of (core/serving_stack.hpp has the arithmetic). With the "ideal"
// stack nothing is launched and a step is its GPU op alone.
#include <vector>

#include "core/ops.hpp"
#include "core/runtime.hpp"
#include "core/serving_ops.hpp"
#include "core/serving_stack.hpp"

namespace lcperf::schedulers::serving {

// Kernels a step op launches: every part of every layer (a compact repeat counted once
// per copy), collectives included.
std::int64_t kernels_of(const core::KernelOp& op);

// The host side of a step of `seqs` whose forward pass is `op`.
core::StepHostShape step_host_shape(const std::vector<core::ServingSeq>& seqs, const core::KernelOp& op);

class HostWork {
 public:
  explicit HostWork(const core::ServingStack& stack);

  bool active() const { return active_; }

  // One step (pp = 1): the host work before it, `op` on the compute stream, then the
  // launch wait and the host work after it; returns when all of it is done.
  void run_step(core::Runtime& rt, const core::KernelOp& op, const std::vector<core::ServingSeq>& seqs);

  // Pipelined steps (pp > 1): the host work before a batch is started and after its
  // sampled tokens are back (launch waits and async overlap are not modelled there).
  void before_batch(core::Runtime& rt, const core::KernelOp& op, const std::vector<core::ServingSeq>& seqs);
  void after_batch(core::Runtime& rt, const std::vector<core::ServingSeq>& seqs);

 private:
  void host(core::Runtime& rt, const char* name, double seconds);

  core::ServingStack stack_;
  bool active_ = false;
  core::KernelOp op_;
};

}  // namespace lcperf::schedulers::serving
