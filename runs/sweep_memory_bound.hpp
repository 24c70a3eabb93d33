#pragma once
// A fast analytical LOWER bound on the peak memory a scenario's simulation reaches on
// its worst rank. The sweep prunes a configuration only when this bound exceeds the
// GPU's HBM, so a pruned configuration is one the simulator would report as OOM: an
// over-estimate here would drop configurations that fit, an under-estimate only
// simulates more. Per pipeline stage (the worst stage counts):
//
//   Megatron, fixed length, 1F1B or GPipe: core::rank_memory(...).peak(), the exact peak
//     the rank program allocates (schedulers/training/README.md).
//   Megatron, dataset: model states + one micro-batch holding the longest sampled
//     sequence (packing puts every sequence whole in some micro-batch, and activations
//     grow with tokens; padding only adds).
//   ChunkFlow: model states + the larger of
//     (a) one chunk of min(ChunkSize, longest) tokens with all its activations (kept
//         chunks hold them from the forward, dropped ones again from the re-forward), and
//     (b) for a sequence longer than ChunkSize, its K/V state store plus the K/V
//         gradients (both the whole sequence's, allocated by the first backward) and the
//         activations of its last chunk, which is kept and runs that first backward.
//   Anything else (interleaved 1F1B, the memory planner, an unknown recompute mode):
//     model states alone, which every rank program allocates for the whole iteration.
#include <cstdint>
#include <vector>

#include "core/layer_ops.hpp"
#include "core/scenario.hpp"

namespace lcperf::runs {

// `sequences`: the iteration's sequence lengths (runs::training_sequences).
std::int64_t peak_memory_lower_bound(const core::Scenario& scenario, const std::vector<std::int64_t>& sequences);

// One stage's bound under each strategy, for a recompute mode every layer shares and a
// longest sequence of `longest` tokens (the strategies' entries in training_strategy.hpp).
std::int64_t megatron_stage_memory_bound(const core::Scenario& scenario, int stage, std::int64_t longest,
                                         core::Recompute recompute);
std::int64_t chunkflow_stage_memory_bound(const core::Scenario& scenario, int stage, std::int64_t longest,
                                          core::Recompute recompute);

}  // namespace lcperf::runs
