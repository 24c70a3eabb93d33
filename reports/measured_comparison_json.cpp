// compare.json of `lcperf compare`: the summary per metric first (what a script or a
// test reads), then every row with its measured and simulated values.
#include <nlohmann/json.hpp>

#include "reports/measured_comparison.hpp"

namespace lcperf::reports {

namespace {

// ordered_json keeps the keys in the order written here.
using json = nlohmann::ordered_json;

json metric_json(const ComparedMetric& m) {
  return json{{"metric", m.metric},
              {"unit", m.unit},
              {"measured", m.measured},
              {"simulated", m.simulated},
              {"relative_error", m.relative_error}};
}

json row_json(const ComparedRow& row) {
  json metrics = json::array();
  for (const ComparedMetric& m : row.metrics) metrics.push_back(metric_json(m));
  json out{{"id", row.id},
           {"line", row.line},
           {"status", row_status_name(row.status)},
           {"kind", row.kind},
           {"scenario", row.scenario},
           {"scenario_name", row.scenario_name},
           {"overrides", row.overrides},
           {"gpus", row.gpus},
           {"metrics", std::move(metrics)},
           {"source", row.source}};
  if (!row.note.empty()) out["note"] = row.note;
  if (!row.reason.empty()) out["reason"] = row.reason;
  if (!row.warning.empty()) out["warning"] = row.warning;
  return out;
}

json summary_json(const MetricSummary& s) {
  return json{{"metric", s.metric},
              {"unit", s.unit},
              {"rows", s.rows},
              {"mean_absolute_error", s.mean_absolute_error},
              {"mean_signed_error", s.mean_signed_error},
              {"max_absolute_error", s.max_absolute_error}};
}

}  // namespace

std::string row_status_name(RowStatus status) {
  switch (status) {
    case RowStatus::compared: return "compared";
    case RowStatus::skipped: return "skipped";
  }
  return "compared";
}

std::string comparison_json(const MeasuredComparison& comparison) {
  json summary = json::array();
  for (const MetricSummary& s : comparison.summary) summary.push_back(summary_json(s));
  json rows = json::array();
  for (const ComparedRow& row : comparison.rows) rows.push_back(row_json(row));
  json out;
  out["kind"] = "compare";
  out["input"] = comparison.input;
  out["lcperf_version"] = comparison.lcperf_version;
  out["summary"] = summary;
  out["rows"] = rows;
  return out.dump(2) + "\n";
}

}  // namespace lcperf::reports
