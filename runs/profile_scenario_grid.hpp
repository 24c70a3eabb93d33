#pragma once
// `lcperf profile --backend cpu --for-scenario SCENARIO.json`: the grid is the set of op
// parts the scenario's rank programs actually launch, each timed through the live CPU
// backend's executor (backends/cpu/op_executor.hpp), so a calibrated profile with
// tables prices exactly the shapes `lcperf validate` runs, measured the way it runs them.
#include <string>
#include <vector>

#include "runs/profile_grid.hpp"

namespace lcperf::runs {

// The distinct kernel parts (by op class and op JSON) of one training iteration of the
// scenario, in first-launch order, restricted to `classes`. Collectives are left out
// (the collective model prices them). Found by running the rank programs on the live
// CPU runtime with an executor that records parts instead of computing them.
std::vector<GridCase> scenario_profile_grid(const std::string& scenario_path, const std::vector<cost::OpClass>& classes);

// A case that runs `c` with backends::cpu::execute_part on the calling thread: same fp32
// kernels, same per-thread scratch reuse as a live run (no input rotation: live ops
// reuse their stream's scratch too).
kernels::ProfileCase make_cpu_executor_case(const GridCase& c);

}  // namespace lcperf::runs
