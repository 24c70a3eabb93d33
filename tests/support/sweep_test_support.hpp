#pragma once
// The small sweep the sweep tests share (single process and MPI), and its writer.
#include <string>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {

// 12 configurations: tp=3 does not divide llama3-8b's 32 heads (4 invalid); tp=1 at 128K
// without recompute needs more than an H200 holds (pruned by the memory bound); the
// other 7 simulate.
inline const char* const kSmallSweep = R"({
  "name": "tiny",
  "base": "base.json",
  "set": {"model.layers": 8, "model.max_context": 131072, "sim.granularity": "stage"},
  "axes": {"parallel.tp": [1, 2, 3], "workload.seq_len": [4096, 131072], "strategy.recompute": ["none", "full"]},
  "constraints": {"gpus": {"max": 8}, "memory": "fit"},
  "objective": {"minimize": "iteration_time_s"},
  "top": 3
})";

// Writes the base scenario and `sweep` into `dir`; returns the sweep's path.
inline std::string write_sweep(const ScratchDir& dir, const std::string& sweep = kSmallSweep) {
  write_file(dir / "base.json", valid_scenario().dump());
  write_file(dir / "sweep.json", sweep);
  return (dir / "sweep.json").string();
}

}  // namespace lcperf::cli::testing
