#pragma once
// Progress of the simulations on stderr: a redrawn bar with rate and ETA when stderr is
// a terminal, one plain line per finished configuration otherwise (logs, CI, tests).
#include <chrono>
#include <cstddef>
#include <string>

namespace lcperf::cli {

class SweepProgress {
 public:
  SweepProgress(std::size_t total, bool terminal);

  // `label`: the configuration key; `summary`: its headline metric or failure.
  void finished(std::size_t done, const std::string& label, const std::string& summary);
  void close();  // ends the bar's line
  // A later round of simulations (two-tier sweeps) adds to the total.
  void add(std::size_t more) { total_ += more; }

 private:
  std::size_t total_;
  bool terminal_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

bool stderr_is_terminal();

}  // namespace lcperf::cli
