#pragma once
// The engine's view of a KV cache spread over instances (DistKV-LLM; the implementation
// is schedulers/serving/distkv/engine_link.hpp). The engine keeps scheduling with its
// block manager, whose capacity then also counts the blocks it may borrow; this places
// each growth, and runs a step's attention where the request's blocks live.
#include <cstdint>
#include <functional>
#include <vector>

#include "core/ops.hpp"
#include "core/runtime.hpp"
#include "core/serving_ops.hpp"

namespace lcperf::schedulers::serving {

class RemoteKv {
 public:
  virtual ~RemoteKv() = default;

  // Places `blocks` more blocks for request `request` (an id of the trace). False when
  // the cluster had no room: the request then holds no block anywhere.
  virtual bool grow(core::Runtime& rt, std::int64_t request, std::int64_t blocks) = 0;
  // The request is done or preempted: every block of it is freed, wherever it lives.
  virtual void release(core::Runtime& rt, std::int64_t request) = 0;

  // Runs one step: plans where each request's attention runs, asks the other holders
  // for their micro-attentions, runs on this GPU the op `local_op` builds from the
  // step's sequences as this GPU computes them (keys held elsewhere left out of each
  // context; `requests[i]` is the id of `seqs[i]`), then receives and merges the
  // partial results.
  using LocalOpBuilder = std::function<const core::KernelOp&(const std::vector<core::ServingSeq>& local_seqs)>;
  virtual void run_step(core::Runtime& rt, std::int64_t step, const std::vector<core::ServingSeq>& seqs,
                        const std::vector<std::int64_t>& requests, const LocalOpBuilder& local_op) = 0;

  // The engine has finished every request.
  virtual void finish(core::Runtime& rt) = 0;
};

}  // namespace lcperf::schedulers::serving
