#pragma once
// The training strategies a scenario can name (strategy.name), one entry each: how a
// rank's program is built, and what a sweep needs to judge a configuration without
// simulating it. Training runs (runs::rank_program), the sweep's pruning and its
// memory bound all look the strategy up here rather than testing its name, so a new
// strategy is one new entry.
#include <cstdint>
#include <vector>

#include "core/layer_ops.hpp"
#include "core/runtime.hpp"
#include "core/scenario.hpp"
#include "runs/sweep_pipeline_items.hpp"

namespace lcperf::runs {

struct TrainingStrategy {
  // The program `rank` runs for one iteration over `sequences`, the iteration's
  // sequence lengths (runs::training_sequences). Throws core::InputError for layouts
  // the strategy does not model.
  core::RankProgram (*rank_program)(const core::Scenario& scenario, int rank,
                                    const std::vector<std::int64_t>& sequences);
  // Throws core::InputError for the layouts the strategy rejects only when it plans its
  // ranks, found without simulating (the sweep prunes them as invalid).
  void (*check_layout)(const core::Scenario& scenario, const std::vector<std::int64_t>& sequences);
  // A lower bound on the peak memory of one pipeline stage when every layer recomputes
  // `recompute` and the iteration's longest sequence is `longest` tokens
  // (runs/sweep_memory_bound.hpp says how each strategy's is derived).
  std::int64_t (*stage_memory_bound)(const core::Scenario& scenario, int stage, std::int64_t longest,
                                     core::Recompute recompute);
  // What each data-parallel replica's pipeline runs and in which order (the sweep's
  // estimator prices it, runs/sweep_estimate.hpp).
  std::vector<ReplicaPipeline> (*replica_pipelines)(const core::Scenario& scenario,
                                                  const std::vector<std::int64_t>& sequences);
  // Whether the strategy reads strategy.chunk_size and strategy.k; configurations
  // differing only there run the same simulation when it does not.
  bool reads_chunk_parameters = false;
};

const TrainingStrategy& training_strategy(core::Strategy strategy);

}  // namespace lcperf::runs
