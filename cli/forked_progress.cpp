#include "cli/forked_progress.hpp"

#include <iostream>

#include "core/errors.hpp"
#include "reports/format.hpp"

namespace lcperf::cli {

void check_forked_jobs(int jobs) {
  if (jobs < 1 || jobs > kMaxForkedJobs) {
    throw core::InputError("--jobs must be in [1, " + std::to_string(kMaxForkedJobs) + "]");
  }
}

runs::ForkedProgress forked_progress(const std::string& command) {
  return [command](const runs::ForkedOutcome& outcome, std::size_t done, std::size_t total) {
    const int width = static_cast<int>(std::to_string(total).size());
    std::string line =
        command + reports::printf_string(": [%*zu/%zu] ", width, done, total) + outcome.id + ": ";
    if (outcome.ok) {
      line += reports::printf_string("%.3f s per iteration", outcome.result.iteration_time_s);
      if (outcome.result.oom) line += ", OOM";
      line += reports::printf_string(" (%.2f s wall)", outcome.result.wall_time_s);
    } else {
      line += "FAILED";
    }
    std::cerr << line << "\n" << std::flush;
  };
}

}  // namespace lcperf::cli
