#pragma once
// The BladeDISC++-style memory planner (schedulers/memory/) driving a training rank
// program: strategy.recompute = "planner". At planning time each pipeline stage gets one
// operator graph of a micro-batch's forward and backward, sized symbolically in the
// micro-batch's tokens over [1, context], and one rematerialization plan over that
// range. At run time every micro-batch shape is bound to its actual token count and the
// run-time policy evicts (largest size x distance first) only what the activation
// budget requires; the evicted tensors' producers are re-run before their next use.
//
// How the program uses the answer (documented approximation): a micro-batch holds one
// activation allocation of the planner's peak from its forward to the end of its
// backward, and its recompute FLOPs run as one GEMM-shaped "recompute" op before its
// backward. The activation budget is the HBM left after the model states, shared by the
// micro-batches a stage holds at once under its schedule.
#include <cstdint>
#include <memory>

#include "core/layer_ops.hpp"
#include "core/model_spec.hpp"
#include "core/parallel_config.hpp"

namespace lcperf::schedulers::training {

class StagePlanner;

struct PlannedMicroBatch {
  std::int64_t activation_bytes = 0;  // the planner's peak for this micro-batch
  std::int64_t recompute_flops = 0;
  int evictions = 0;
  bool feasible = true;  // false: even evicting every candidate leaves it over budget
};

// One plan per (model, parallel, stage, context); built once per process and shared.
std::shared_ptr<const StagePlanner> stage_planner(const core::ModelSpec& model, const core::ParallelConfig& parallel,
                                                  int pp_stage, std::int64_t max_tokens);

PlannedMicroBatch plan_micro_batch(const StagePlanner& planner, std::int64_t tokens, std::int64_t budget_bytes);

// The recompute work as one op part: a GEMM over the micro-batch's tokens (per TP rank)
// and the hidden size whose FLOPs equal `flops`; recompute is GEMM-dominated.
core::OpPart recompute_part(const core::ModelSpec& model, const core::ParallelConfig& parallel, std::int64_t tokens,
                            std::int64_t flops);

}  // namespace lcperf::schedulers::training
