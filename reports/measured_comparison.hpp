#pragma once
// The report of `lcperf compare`: measured runs against their simulations. The data is
// plain (studies/measured_comparison.cpp fills it); this renders it as compare.json, the
// terminal table, compare.md / compare.html and one log-log scatter per metric. Nothing
// here computes an error: the numbers arrive computed.
#include <cstddef>
#include <string>
#include <vector>

namespace lcperf::reports {

struct ComparedMetric {
  std::string metric;  // "iteration_time_s"
  std::string unit;    // the metric's canonical unit: "s"
  double measured = 0;
  double simulated = 0;
  double relative_error = 0;  // (simulated - measured) / measured
};

enum class RowStatus {
  compared,  // simulated; its errors count in the summary
  skipped,   // not simulated: no errors
};

std::string row_status_name(RowStatus status);  // "compared", "skipped"

struct ComparedRow {
  std::string id;
  std::size_t line = 0;
  std::string source;
  std::string note;
  std::string scenario;       // the path as written, or "inline"
  std::string scenario_name;  // the loaded scenario's name: rows of one base scenario share it
  std::vector<std::string> overrides;
  std::string kind;  // "training", "serving"
  int gpus = 0;
  RowStatus status = RowStatus::compared;
  std::string reason;  // why a row was skipped
  // Something the reader should know about a compared row, e.g. that the simulation ran
  // out of memory where the measured run did not (its timing still counts: the
  // simulator accounts the allocation and runs the iteration to its end).
  std::string warning;
  std::vector<ComparedMetric> metrics;
};

struct MetricSummary {
  std::string metric;
  std::string unit;
  std::size_t rows = 0;              // compared rows that measured this metric
  double mean_absolute_error = 0;    // mean of |relative error|
  double mean_signed_error = 0;      // mean of the signed errors: < 0 when the simulator is optimistic on times
  double max_absolute_error = 0;
};

struct MeasuredComparison {
  std::string input;  // the measured-runs file
  std::string lcperf_version;
  std::vector<ComparedRow> rows;        // in file order
  std::vector<MetricSummary> summary;  // metrics with at least one compared row
};

// compare.json: the summary first, then every row; deterministic (no wall-clock field).
std::string comparison_json(const MeasuredComparison& comparison);
// The terminal table: one line per row and metric, then the mean absolute errors.
std::string comparison_text(const MeasuredComparison& comparison);

// The scatter of one summarized metric, with the file name compare.md links it by.
struct ComparisonChart {
  std::string file;  // "compare-iteration_time_s.svg"
  std::string svg;
};
std::vector<ComparisonChart> comparison_charts(const MeasuredComparison& comparison);

// compare.md links the charts as images (written beside it); compare.html holds them inline.
std::string comparison_markdown(const MeasuredComparison& comparison, const std::vector<ComparisonChart>& charts);
std::string comparison_html(const MeasuredComparison& comparison, const std::vector<ComparisonChart>& charts);

}  // namespace lcperf::reports
