#pragma once
// `lcperf compare` as data: each measured run simulated (its own forked process, since
// SimGrid allows one simulation per process) and set against its measurements, the
// signed relative error per metric and the mean absolute error per metric over the
// rows. reports/measured_comparison.hpp renders the result.
#include <optional>
#include <vector>

#include "core/result.hpp"
#include "reports/measured_comparison.hpp"
#include "runs/forked_runs.hpp"
#include "studies/measured_runs.hpp"

namespace lcperf::studies {

// (simulated - measured) / measured: +0.1 when the simulation says 10 % more.
double relative_error(double simulated, double measured);

// Per metric, over the rows with status "compared": the mean of |error|, the mean of the
// signed errors, the largest |error|; metrics in the order of measured_metrics(), those
// no compared row measured left out.
std::vector<reports::MetricSummary> summarize_errors(const std::vector<reports::ComparedRow>& rows);

// What a row's simulation gave: a training result, a serving result's figures, or
// neither (the row was not simulated: status "skipped").
struct SimulatedRun {
  std::optional<core::TrainingResult> training;
  std::optional<runs::ServingFigures> serving;
};

// One row against its simulation. A simulation that ran out of memory is compared all
// the same, with a warning saying so.
reports::ComparedRow compare_row(const MeasuredRow& row, const SimulatedRun& result);

// Every row against its result (`results[i]` for row i) and the summary.
reports::MeasuredComparison compare_results(const MeasuredRuns& runs, const std::vector<SimulatedRun>& results);
// The same for training results only (nullopt = not simulated).
reports::MeasuredComparison compare_results(const MeasuredRuns& runs,
                                            const std::vector<std::optional<core::TrainingResult>>& results);

// Simulates every row, `jobs` at a time, each in its own child process (rows with the
// same run_key once). A failed simulation throws: core::InputError when a child failed
// on bad input, std::runtime_error otherwise, naming every failed row (file:line, id).
std::vector<SimulatedRun> simulate_measured_runs(const MeasuredRuns& runs, int jobs,
                                                 const runs::ForkedProgress& progress = {});

// simulate_measured_runs, then compare_results.
reports::MeasuredComparison compare_measured_runs(const MeasuredRuns& runs, int jobs,
                                                  const runs::ForkedProgress& progress = {});

}  // namespace lcperf::studies
