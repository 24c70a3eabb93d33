#pragma once
// The input of `lcperf compare`: a user's measured runs, one JSON object per line
// (validation/measured/README.md has the format):
//   {"id": "...", "source": "...", "scenario": "base.json" | {inline scenario},
//    "set": ["parallel.dp=4", ...] | {"parallel.dp": 4, ...},
//    "measured": {"iteration_time_s": 12.91, "mfu": {"value": 59.37, "unit": "%"}},
//    "note": "..."}
// Read strictly, like scenarios: every row is checked and its scenario loaded (with the
// overrides applied) before anything is simulated, so a bad row costs no simulation
// time. Every problem is a core::InputError naming the file, the line and the field:
//   "runs.jsonl:3: $.measured.iteration_time_s: must be positive (got -1)".
#include <cstddef>
#include <string>
#include <vector>

#include "core/scenario.hpp"
#include "studies/measured_metric.hpp"

namespace lcperf::studies {

// One measured value, converted to its metric's canonical unit.
struct MeasuredValue {
  MeasuredMetric metric;
  double value = 0;
};

struct MeasuredRow {
  std::string id;      // unique within the file
  std::string source;  // the citation the numbers come from
  std::string note;    // optional free text
  std::size_t line = 0;
  std::string scenario_ref;            // the scenario path as written, or "inline"
  std::vector<std::string> overrides;  // "path=value", in the order applied
  core::Scenario scenario;             // loaded, overrides applied, validated
  RunKind kind = RunKind::training;    // from the scenario
  // The scenario file (absolute) or the inline object's text, then the overrides: rows
  // with the same key name the same run, which is simulated once.
  std::string run_key;
  std::vector<MeasuredValue> measured;  // in the order of measured_metrics()
};

struct MeasuredRuns {
  std::string path;
  std::vector<MeasuredRow> rows;
};

// Reads a measured-runs file; relative scenario paths are resolved against its folder.
MeasuredRuns read_measured_runs(const std::string& path);
// The same from text already read; `path` names the file in messages and locates
// relative scenario paths.
MeasuredRuns parse_measured_runs(const std::string& text, const std::string& path);

RunKind run_kind_of(const core::Scenario& scenario);

}  // namespace lcperf::studies
