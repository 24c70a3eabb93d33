#pragma once
// Simulated against measured: one simulated run of a training scenario and N live runs
// of the same rank programs, compared on what both runtimes record (core/records.hpp).
// Relative errors are (simulated - measured) / measured throughout.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backends/live_input.hpp"
#include "core/records.hpp"
#include "cost_models/op_cost.hpp"

namespace lcperf::runs {

// Decision logs compared rank by rank, in order (times are not compared).
struct DecisionComparison {
  bool identical = true;
  std::size_t simulated = 0;
  std::size_t measured = 0;
  std::string excerpt;  // the first differences, "rank R #i: sim '...' | live '...'"
};
DecisionComparison compare_decisions(const core::RunRecords& simulated, const core::RunRecords& measured);

// Errors of one group of matched durations (an op class, an op category).
struct ErrorStats {
  std::size_t count = 0;
  double simulated_s = 0;  // summed
  double measured_s = 0;
  double median_relative_error = 0;      // signed
  double median_abs_relative_error = 0;
  double p90_abs_relative_error = 0;
};

// A CPU live run whose kernel threads got less than this share of their cores (another
// process ran on them) times the host's load, which the simulator does not model.
inline constexpr double kMinLiveCpuShare = 0.9;

// Whether a live run with this kernel CPU share is set aside and taken again, given the
// attempts left after it and the runs still needed (counting it): only while enough
// attempts remain to make the runs asked for.
inline bool retake_live_run(double cpu_share, int attempts_left, int runs_still_needed) {
  return cpu_share < kMinLiveCpuShare && attempts_left >= runs_still_needed;
}

// A live run taken again because other processes held its cores.
struct SetAsideRun {
  double measured_s = 0;
  double cpu_share = 0;
};

struct Validation {
  std::string scenario;
  std::string device_profile;
  int ranks = 0;
  unsigned hardware_threads = 0;
  // CPU time kernel threads got over the wall time they spent in kernels, over all live
  // runs: near 1 when every rank had a core to itself, well below when others competed.
  double live_cpu_share = 0;
  std::vector<SetAsideRun> set_aside_runs;  // not in the figures below
  // Host speed probes (kernels/speed_probe.hpp): the one the device profile's times were
  // scaled to, and one per live run (mean of before and after it). Empty/0 = not probed.
  double profile_probe_s = 0;
  std::vector<double> run_probe_s;
  DecisionComparison decisions;
  double simulated_end_s = 0;
  std::vector<double> measured_end_s;  // one per live run
  double measured_median_end_s = 0;
  std::size_t median_run = 0;          // index of the run whose time is the median
  std::map<std::string, ErrorStats> op_classes;     // from kernel parts: "gemm", "attention_fwd", ...
  std::map<std::string, ErrorStats> op_categories;  // from timeline ops: "forward", "p2p", ...
  std::size_t ops_matched = 0;
  std::size_t ops_unmatched = 0;
  std::vector<std::int64_t> simulated_peak_bytes;
  std::vector<std::int64_t> measured_peak_bytes;
  bool simulated_oom = false;
  bool measured_oom = false;
};

// `model` prices each measured kernel part as the simulator priced it (an op's time is
// the sum of its parts' times, cost_models/op_cost.hpp).
Validation compare_runs(const core::RunRecords& simulated, const std::vector<backends::LiveResult>& live,
                        const cost::CostModel& model);

std::string validation_json(const Validation& v);

// (simulated - measured) / measured; 0 when nothing was measured.
double relative_error(double simulated, double measured);

// End-to-end figures with each live run scaled to the device profile's host speed
// (measured x profile probe / the run's probe): what the run would have taken on the
// host as fast as it was while profiling. Not available without both probes.
struct SpeedNormalized {
  bool available = false;
  std::vector<double> measured_s;
  double measured_median_s = 0;
  std::vector<double> run_relative_errors;
  // Slowest over fastest probe (profile and runs): above kSteadyProbeSpread the host
  // changed speed during the loop, faster than probes before and after a run can follow.
  double probe_spread = 1;
};

inline constexpr double kSteadyProbeSpread = 1.15;
SpeedNormalized speed_normalized(const Validation& v);

// One Chrome trace with the simulated run as process "simulated" and the measured run
// as process "measured", side by side on one time axis.
std::string side_by_side_trace_json(const core::RunRecords& simulated, const core::RunRecords& measured,
                                    const std::string& scenario_name);

}  // namespace lcperf::runs
