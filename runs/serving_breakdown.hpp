#pragma once
// How a serving step's time splits: GPU kernels by class, communication, and the serving
// stack's host work, for one decode step and one prefill step of a fixed-shape workload
// (result.json "step_breakdown"; keys in docs/contract.md). Also the one pricing rule
// serving steps share with it: prefill attention at the stack's kernel.
#include <nlohmann/json.hpp>

#include <vector>

#include "core/ops.hpp"
#include "core/serving_ops.hpp"
#include "core/serving_stack.hpp"
#include "core/scenario.hpp"
#include "schedulers/serving/engine_config.hpp"

namespace lcperf::cost {
class CostModel;
}

namespace lcperf::runs {

// The time of one part of a serving step: the cost model's, with the stack's kernels
// where they differ (core/serving_stack.hpp): prefill attention (non-paged
// attention_fwd) taking prefill_attention_time_factor times as long, in 16 bits for an
// FP8 model when the stack has no FP8 context kernel, and a single-node
// all-reduce at the engine's custom one-shot kernel where that is faster than NCCL's.
double serving_part_time_s(const cost::CostModel& model, const core::OpPart& part, const core::ServingStack& stack);

// One step priced part by part, with the stack's host time around it.
struct StepBreakdown {
  std::int64_t seqs = 0;
  std::int64_t tokens = 0;
  std::int64_t kernels = 0;
  double gemm_s = 0;           // gemm and spmm
  double attention_s = 0;      // attention_fwd and attention_decode
  double elementwise_s = 0;    // norms, activations, rope, KV writes, embedding, sampling, copies
  double communication_s = 0;  // TP all-reduces, the logits' all-gather
  double gpu_s = 0;            // the sum of the above: the step's GPU op
  double host_before_s = 0;    // exposed host time (core::exposed_host_time)
  double host_launch_wait_s = 0;
  double host_after_s = 0;
  double step_s = 0;  // gpu_s + the exposed host time
};

// The step of `seqs` on the first pipeline stage of the scenario's instance.
StepBreakdown break_down_step(const core::Scenario& s, const cost::CostModel& model,
                              const schedulers::serving::EngineConfig& config,
                              const std::vector<core::ServingSeq>& seqs);

// For a fixed workload: "decode", its `concurrency` requests decoding at the middle of
// their output (context prompt + output/2), and "prefill", one request's first prefill
// chunk (its whole prompt without chunked prefill) alone.
nlohmann::ordered_json step_breakdown_json(const core::Scenario& s, const cost::CostModel& model,
                                           const schedulers::serving::EngineConfig& config);

}  // namespace lcperf::runs
