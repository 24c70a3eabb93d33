#pragma once
// Runs many scenarios (training or serving), each in its own forked child process, a few at a time.
// SimGrid allows one simulation per process, so the parent never simulates: it loads
// the scenarios, forks, and reads each child's metrics (and optional timeline SVG) back
// through a pipe as JSON. Used by `lcperf reproduce`.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/scenario.hpp"

namespace lcperf::runs {

struct ForkedRun {
  std::string id;           // unique label, used in progress lines and error messages
  core::Scenario scenario;  // loaded and validated by the parent
  bool want_svg = false;    // render the pipeline timeline inside the child
  std::string svg_title;
  // Serving: where the child writes the run's files (runs/serving_outputs.hpp), a folder
  // inside the caller's staging folder; empty writes none.
  std::string serving_files_dir;
};

// The figures of a serving run's result.json that measured rows compare against.
struct ServingFigures {
  double ttft_p50_s = 0;
  double ttft_mean_s = 0;
  double tpot_p50_s = 0;
  double tpot_mean_s = 0;
  double e2e_p50_s = 0;
  double throughput_tokens_per_s = 0;
  double output_tokens_per_s = 0;
  int gpus = 0;  // tp x pp x instances
  bool oom = false;
};

struct ForkedOutcome {
  std::string id;
  bool serving = false;           // a serving scenario: `serving_figures` holds its metrics
  core::TrainingResult result;  // training: the metrics; per-rank peaks and wall time included
  ServingFigures serving_figures;
  std::string serving_result_json;  // the whole serving result.json, as the child built it
  std::string svg;              // empty unless want_svg
  bool ok = false;
  bool input_error = false;  // the child failed on bad input (exit code 2), not a bug
  std::string error;         // set when !ok
};

// Called in the parent as each child finishes, in completion order.
using ForkedProgress = std::function<void(const ForkedOutcome& outcome, std::size_t done, std::size_t total)>;

// Runs every run in its own child, at most `jobs` at once; the outcomes come back in the
// order of `runs`. Failures of single runs are reported in their outcome, not thrown;
// failing to fork or to make a pipe throws std::runtime_error.
std::vector<ForkedOutcome> run_forked(const std::vector<ForkedRun>& runs, int jobs, const ForkedProgress& progress = {});

}  // namespace lcperf::runs
