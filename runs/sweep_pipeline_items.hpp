#pragma once
// What each data-parallel replica's pipeline runs in one iteration, as the sweep's
// estimator (runs/sweep_estimate.hpp) needs it: the shapes of its micro-batches or
// chunks and the order each pipeline rank runs their steps in. Both come from the
// planning code the rank programs use (Megatron's packing and pipeline schedules,
// ChunkFlow's chunk construction, data-parallel assignment and state-aware 1F1B), so the
// estimate prices the work the simulation would run, in the same order.
#include <cstdint>
#include <vector>

#include "core/layer_ops.hpp"
#include "core/scenario.hpp"

namespace lcperf::runs {

struct PipelineItem {
  core::MicroBatchShape shape;  // tokens of the micro-batch or chunk, padded as the program pads them
};

struct PipelineStepRef {
  enum class Kind { forward, reforward, backward };
  Kind kind = Kind::forward;
  int item = 0;         // into ReplicaPipeline::items
  int model_chunk = 0;  // virtual stage of the step = model_chunk * pp + pipeline rank
};

struct ReplicaPipeline {
  std::vector<PipelineItem> items;
  std::vector<std::vector<PipelineStepRef>> stages;  // [pipeline rank] = its steps in order
};

// Throws core::InputError for layouts the strategy does not model.
std::vector<ReplicaPipeline> megatron_replica_pipelines(const core::Scenario& scenario,
                                                        const std::vector<std::int64_t>& sequences);
std::vector<ReplicaPipeline> chunkflow_replica_pipelines(const core::Scenario& scenario,
                                                         const std::vector<std::int64_t>& sequences);

}  // namespace lcperf::runs
