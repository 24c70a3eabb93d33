#pragma once
// What the commands that fork one process per simulation (`reproduce`, `compare`) share:
// the range of --jobs and the progress line each finished child prints on stderr,
//   "compare: [ 3/36] row-id: 13.847 s per iteration, OOM (2.13 s wall)".
#include <string>

#include "runs/forked_runs.hpp"

namespace lcperf::cli {

inline constexpr int kMaxForkedJobs = 64;

// Throws core::InputError unless 1 <= jobs <= kMaxForkedJobs.
void check_forked_jobs(int jobs);

// A progress callback printing one line per finished run, prefixed "COMMAND: ".
runs::ForkedProgress forked_progress(const std::string& command);

}  // namespace lcperf::cli
