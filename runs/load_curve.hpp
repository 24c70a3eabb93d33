#pragma once
// `lcperf load-curve`: one serving scenario replayed at several arrival-time scales
// (workload.time_scale; arrivals multiplied by the scale, so the offered rate is the
// trace's rate divided by it), each run in its own forked child (SimGrid allows one
// simulation per process), and one row per run of throughput, latency percentiles and
// SLO attainment against the offered load: the throughput-vs-load curve.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/scenario.hpp"
#include "reports/text_table.hpp"
#include "runs/forked_runs.hpp"

namespace lcperf::runs {

// Requests and prompt + output tokens offered per second by a scenario's trace: its
// request count over the span from the first to the last arrival.
struct OfferedLoad {
  double requests_per_s = 0;
  double tokens_per_s = 0;
};
// Throws core::InputError for a workload with no arrival rate (a fixed closed loop, all
// arrivals at one instant).
OfferedLoad offered_load(const core::Scenario& scenario);

struct LoadCurveRun {
  double scale = 1;
  core::Scenario scenario;  // loaded with workload.time_scale = scale
};

// One run's row; every figure but the offered load is its result.json's.
struct LoadCurveRow {
  double scale = 1;
  double offered_requests_per_s = 0;  // the base rate / scale
  double offered_tokens_per_s = 0;
  int requests = 0;
  int completed = 0;
  int rejected = 0;
  double throughput_tokens_per_s = 0;
  double output_tokens_per_s = 0;
  double ttft_p50_s = 0, ttft_p90_s = 0, ttft_p99_s = 0;
  double tpot_p50_s = 0, tpot_p90_s = 0, tpot_p99_s = 0;
  double e2e_p90_s = 0;
  // result.json's "slo"; empty when the run had none.
  std::optional<double> slo_attainment, goodput_requests_per_s, goodput_tokens_per_s;
};

// The row of a run at `scale` from its result.json text.
LoadCurveRow load_curve_row(double scale, const OfferedLoad& base, const std::string& result_json);

// "scale-0.5": the folder of a run inside the load curve's output folder.
std::string scale_folder(double scale);

// Runs every scale in its own child, at most `jobs` at once, each writing its files into
// `staging`/scale_folder(scale); rows in the order of `runs`. A run that failed throws:
// core::InputError when its input was bad, std::runtime_error otherwise.
std::vector<LoadCurveRow> run_load_curve(const std::vector<LoadCurveRun>& runs, const OfferedLoad& base, int jobs,
                                         const std::filesystem::path& staging, const ForkedProgress& progress = {});

// The outputs (docs/contract.md, "load-curve"): CSV with one row per run, JSON with the
// scenario, the SLO and the rows, and the terminal table (units in the header).
std::string load_curve_csv(const std::vector<LoadCurveRow>& rows);
std::string load_curve_json(const std::string& scenario, const core::ServingSlo& slo,
                            const std::vector<LoadCurveRow>& rows);
reports::Table load_curve_table(const std::vector<LoadCurveRow>& rows);

}  // namespace lcperf::runs
