#include "studies/measured_comparison.hpp"

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "core/units.hpp"
#include "reports/format.hpp"

namespace lcperf::studies {

namespace {

reports::ComparedRow row_shell(const MeasuredRow& row) {
  reports::ComparedRow out;
  out.id = row.id;
  out.line = row.line;
  out.source = row.source;
  out.note = row.note;
  out.scenario = row.scenario_ref;
  out.scenario_name = row.scenario.name;
  out.overrides = row.overrides;
  out.kind = std::string(run_kind_name(row.kind));
  out.gpus = row.scenario.parallel.world_size();
  return out;
}

std::string oom_warning(const core::TrainingResult& result) {
  return reports::printf_string(
      "the simulation ran out of memory (rank %d, peak %.2f GiB over %.2f GiB of HBM) where the measured run did "
      "not; its timing still counts",
      result.oom_detail.rank, static_cast<double>(result.peak_memory_bytes) / kGiB,
      static_cast<double>(result.oom_detail.capacity_bytes) / kGiB);
}

}  // namespace

double relative_error(double simulated, double measured) { return (simulated - measured) / measured; }

std::vector<reports::MetricSummary> summarize_errors(const std::vector<reports::ComparedRow>& rows) {
  std::vector<reports::MetricSummary> summary;
  for (const MetricSpec& spec : measured_metrics()) {
    reports::MetricSummary s;
    s.metric = std::string(spec.name);
    s.unit = std::string(spec.canonical_unit());
    double absolute_sum = 0, signed_sum = 0;
    for (const reports::ComparedRow& row : rows) {
      if (row.status != reports::RowStatus::compared) continue;
      for (const reports::ComparedMetric& m : row.metrics) {
        if (m.metric != s.metric) continue;
        ++s.rows;
        absolute_sum += std::abs(m.relative_error);
        signed_sum += m.relative_error;
        s.max_absolute_error = std::max(s.max_absolute_error, std::abs(m.relative_error));
      }
    }
    if (s.rows == 0) continue;
    s.mean_absolute_error = absolute_sum / static_cast<double>(s.rows);
    s.mean_signed_error = signed_sum / static_cast<double>(s.rows);
    summary.push_back(std::move(s));
  }
  return summary;
}

reports::ComparedRow compare_row(const MeasuredRow& row, const SimulatedRun& result) {
  reports::ComparedRow out = row_shell(row);
  const bool simulated = result.training || result.serving;
  if (!simulated) {
    out.status = reports::RowStatus::skipped;
    out.reason = "the row was not simulated";
  } else if (result.training && result.training->oom) {
    out.warning = oom_warning(*result.training);
  } else if (result.serving && result.serving->oom) {
    out.warning = "the simulation ran out of memory where the measured run did not; its timing still counts";
  }
  for (const MeasuredValue& measured : row.measured) {
    const MetricSpec& spec = metric_spec(measured.metric);
    reports::ComparedMetric m;
    m.metric = std::string(spec.name);
    m.unit = std::string(spec.canonical_unit());
    m.measured = measured.value;
    if (simulated) {
      m.simulated = result.training ? simulated_training_value(measured.metric, *result.training)
                                    : simulated_serving_value(measured.metric, *result.serving);
      m.relative_error = relative_error(m.simulated, m.measured);
    }
    out.metrics.push_back(std::move(m));
  }
  return out;
}

reports::MeasuredComparison compare_results(const MeasuredRuns& runs,
                                            const std::vector<std::optional<core::TrainingResult>>& results) {
  std::vector<SimulatedRun> simulated(results.size());
  for (std::size_t i = 0; i < results.size(); ++i) simulated[i].training = results[i];
  return compare_results(runs, simulated);
}

reports::MeasuredComparison compare_results(const MeasuredRuns& runs, const std::vector<SimulatedRun>& results) {
  if (results.size() != runs.rows.size()) throw std::logic_error("compare_results: one result per row is needed");
  reports::MeasuredComparison comparison;
  comparison.input = runs.path;
  comparison.lcperf_version = core::lcperf_version();
  for (std::size_t i = 0; i < runs.rows.size(); ++i) comparison.rows.push_back(compare_row(runs.rows[i], results[i]));
  comparison.summary = summarize_errors(comparison.rows);
  return comparison;
}

std::vector<SimulatedRun> simulate_measured_runs(const MeasuredRuns& runs, int jobs,
                                                 const runs::ForkedProgress& progress) {
  // One simulation per distinct run: the same configuration measured twice (two
  // releases of a benchmark) is simulated once and compared twice.
  std::vector<runs::ForkedRun> forked;
  std::vector<std::size_t> first_row_of_run;
  std::map<std::string, std::size_t> run_of_key;
  std::vector<std::optional<std::size_t>> run_of_row(runs.rows.size());
  for (std::size_t i = 0; i < runs.rows.size(); ++i) {
    const MeasuredRow& row = runs.rows[i];
    const auto [known, fresh] = run_of_key.emplace(row.run_key, forked.size());
    if (fresh) {
      forked.push_back(runs::ForkedRun{row.id, row.scenario, false, "", {}});
      first_row_of_run.push_back(i);
    }
    run_of_row[i] = known->second;
  }
  const std::vector<runs::ForkedOutcome> outcomes = runs::run_forked(forked, jobs, progress);

  std::string failures;
  bool input_error = false;
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    if (outcomes[k].ok) continue;
    const MeasuredRow& row = runs.rows[first_row_of_run[k]];
    failures += "\n  " + runs.path + ":" + std::to_string(row.line) + " (" + row.id + "): " + outcomes[k].error;
    input_error = input_error || outcomes[k].input_error;
  }
  if (!failures.empty()) {
    const std::string message = "compare: some simulations failed:" + failures;
    if (input_error) throw core::InputError(message);
    throw std::runtime_error(message);
  }
  std::vector<SimulatedRun> results(runs.rows.size());
  for (std::size_t i = 0; i < runs.rows.size(); ++i) {
    if (!run_of_row[i]) continue;
    const runs::ForkedOutcome& outcome = outcomes[*run_of_row[i]];
    if (outcome.serving) {
      results[i].serving = outcome.serving_figures;
    } else {
      results[i].training = outcome.result;
    }
  }
  return results;
}

reports::MeasuredComparison compare_measured_runs(const MeasuredRuns& runs, int jobs,
                                                  const runs::ForkedProgress& progress) {
  return compare_results(runs, simulate_measured_runs(runs, jobs, progress));
}

}  // namespace lcperf::studies
