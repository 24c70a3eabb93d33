#pragma once
// DIR/results.jsonl: one JSON line per simulated configuration, appended as each child
// finishes. A line is written with a single write(2) on an O_APPEND descriptor, so a
// killed sweep leaves only whole lines (and shards sharing the file never interleave
// within a line). On start the file is read back and configurations whose key is
// already there are skipped: a rerun repeats nothing and loses nothing.
//
// Line: {"index": I, "config": {path: value, ...}, "ok": true, "oom": false,
//        "iteration_time_s": ..., "tokens_per_s": ..., "mfu": ..., "peak_memory_bytes": ...,
//        "bubble_ratio": ..., "dp_imbalance": ..., "wall_time_s": ...,
//        "memory_lower_bound_bytes": ...,  (the pruning bound, when "memory": "fit")
//        "source": "simulated", "estimate": {metric: value, ...}}  (the analytic tier's)
// or, when the child failed: {"index": I, "config": {...}, "ok": false, "error": "..."};
// or, for a survivor the simulator did not run (runs/sweep_estimate.hpp):
//       {"index": I, "config": {...}, "ok": true, "oom": false, metrics..., "source": "estimated"}
// with peak_memory_bytes the memory lower bound. Estimated lines are rewritten by every
// run (they are dropped on reading), so a rerun may still simulate them.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runs/forked_runs.hpp"
#include "runs/sweep_estimate.hpp"
#include "runs/sweep_configs.hpp"

namespace lcperf::runs {

struct SweepResult {
  std::string key;     // canonical config key (sweep_configs.hpp)
  std::string config;  // the config object as JSON text
  bool ok = false;
  bool oom = false;
  std::map<std::string, double> metrics;  // sweep_metrics() when ok
  std::string error;                      // the failure, when not ok
  bool estimated = false;                 // "source": "estimated": metrics from the analytic tier
};

// Ends in '\n'. `memory_bound` < 0: not computed, left out. `estimate`: the analytic
// tier's, recorded next to the simulated metrics when given.
std::string result_line(const SweepConfig& config, const ForkedOutcome& outcome, std::int64_t memory_bound,
                        const ConfigurationEstimate* estimate = nullptr);
// The line of a survivor ranked by its estimate alone.
std::string estimated_result_line(const SweepConfig& config, const ConfigurationEstimate& estimate,
                                  std::int64_t memory_bound);

// Parses one line of results.jsonl (with or without its '\n'); false when it is not a
// whole, well-formed result line.
bool parse_result_line(const std::string& text, SweepResult& result);

// Reads the results of earlier runs. Lines that do not parse (a file edited by hand, or
// truncated by something other than this tool) are dropped and the file is rewritten
// atomically without them, so the next append starts on a fresh line. Estimated lines
// are dropped the same way (the run that reads them writes its own). The first line of
// a key wins. A missing file is no results.
std::vector<SweepResult> read_results(const std::string& path);

// An O_APPEND descriptor on the results file.
class ResultsLog {
 public:
  explicit ResultsLog(const std::string& path);
  ~ResultsLog();
  ResultsLog(const ResultsLog&) = delete;
  ResultsLog& operator=(const ResultsLog&) = delete;

  // One write(2) of the whole line; throws std::runtime_error when it cannot.
  void append(const std::string& line);

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace lcperf::runs
