#pragma once
// The progress line of a serving replay (replay, and simulate of a serving scenario) on
// stderr: simulated time, requests ended of all, and the real-time factor (simulated
// seconds per wall second). On a terminal one line redrawn in place about twice a
// second; `--progress` forces it on elsewhere too, as plain lines at most every 2 s;
// `--no-progress` turns it off. Nothing by default when stderr is not a terminal (logs,
// CI) or with --quiet. It only reads the run's state: results are the same with or without it.
#include <string>

#include "runs/serving_run.hpp"

namespace CLI {
class App;
}

namespace lcperf::cli {

struct ProgressFlags {
  bool on = false;
  bool off = false;

  void add_to(CLI::App& command);
  // The line's printer for `command` ("replay"), or nothing when the line is off
  // (`quiet`: the command's --quiet, which turns the terminal's default line off too).
  runs::ServingProgressFn printer(const std::string& command, bool quiet) const;
};

}  // namespace lcperf::cli
