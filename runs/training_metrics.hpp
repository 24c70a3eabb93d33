#pragma once
// Turns the records of one training iteration into the result.json metrics. Kept apart
// from any runtime so simulated and live runs are measured by the same rules.
#include <cstdint>

#include "core/records.hpp"
#include "core/result.hpp"
#include "core/scenario.hpp"

namespace lcperf::runs {

// `model_flops_per_iteration` is the model's useful work (6*N*tokens + attention) for
// the whole iteration across all GPUs; recompute does not count (that is what makes MFU
// comparable across recompute modes). `wall_time_s` is left 0 for the caller to fill.
core::TrainingResult compute_training_result(const core::Scenario& scenario, const core::RunRecords& records,
                                             double model_flops_per_iteration, std::int64_t tokens_per_iteration);

// Pieces of the above, exposed for tests and reports.
//
// Categories of pipeline compute: the ops whose idle gaps make the bubble.
bool is_pipeline_compute(const core::TimelineRecord& record);
double bubble_ratio(const core::RunRecords& records);
double dp_imbalance(const core::ParallelConfig& parallel, const core::RunRecords& records);
double recompute_time_s(const core::RunRecords& records);
// core::TimeBreakdown of the records over [0, iteration_time_s].
core::TimeBreakdown time_breakdown(const core::RunRecords& records, double iteration_time_s);

}  // namespace lcperf::runs
