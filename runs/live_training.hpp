#pragma once
// A training scenario's rank programs run live, several times, for `lcperf validate`:
// an untimed warm-up, then timed runs, with runs whose kernel threads lost their cores
// to other processes set aside and taken again, and the host's speed probed around each.
#include <vector>

#include "backends/live_input.hpp"
#include "core/scenario.hpp"
#include "runs/validation.hpp"

namespace lcperf::runs {

struct LiveRuns {
  std::vector<backends::LiveResult> kept;
  std::vector<double> probe_s;  // per kept run (CPU): mean host speed probe before and after it
  std::vector<SetAsideRun> set_aside;
};

// CPU time the kernel threads got over the wall time they spent in kernels (1 when unknown).
double cpu_share(const backends::LiveResult& run);

// `runs` timed runs on the CPU backend, or on the CUDA one when `on_cuda` (ranks as
// streams of one device). Throws std::runtime_error when the live programs deadlock.
LiveRuns run_live_iterations(const core::Scenario& scenario, int runs, bool on_cuda);

}  // namespace lcperf::runs
