#pragma once
// Turns the records of one training iteration into the result.json metrics. Kept apart
// from any runtime so simulated and live runs are measured by the same rules.
#include <cstdint>

#include "core/records.hpp"
#include "core/result.hpp"
#include "core/scenario.hpp"

namespace lcperf::core {

// `model_flops_per_iteration` is the model's useful work (6*N*tokens + attention) for
// the whole iteration across all GPUs; recompute does not count (that is what makes MFU
// comparable across recompute modes). `wall_time_s` is left 0 for the caller to fill.
TrainingResult compute_training_result(const Scenario& scenario, const RunRecords& records,
                                       double model_flops_per_iteration, std::int64_t tokens_per_iteration);

// Pieces of the above, exposed for tests and reports.
//
// Categories of pipeline compute: the ops whose idle gaps make the bubble.
bool is_pipeline_compute(const TimelineRecord& record);
double bubble_ratio(const RunRecords& records);
double dp_imbalance(const ParallelConfig& parallel, const RunRecords& records);
double recompute_time_s(const RunRecords& records);

}  // namespace lcperf::core
