#pragma once
// The summary files of a sweep, each written atomically:
//   DIR/best.json    the top configurations by the objective, OOM and failed runs excluded,
//                    ties broken by key so the file is deterministic;
//   DIR/pruned.json  counts per prune reason and every pruned configuration with its detail.
#include <cstddef>
#include <string>
#include <vector>

#include "runs/sweep_configs.hpp"
#include "runs/sweep_results.hpp"
#include "runs/sweep_spec.hpp"
#include "runs/sweep_tiers.hpp"

namespace lcperf::runs {

struct PrunedConfig {
  std::size_t index = 0;
  std::string key;
  std::string reason;
  std::string detail;
};

struct PruneSummary {
  std::size_t configurations = 0;  // the whole sweep
  std::size_t selected = 0;        // in this shard
  std::string shard;               // "i/n"
  std::size_t survivors = 0;
  std::vector<PrunedConfig> pruned;  // in index order
};

// The results that belong to the sweep, ranked best first by the objective (ties by key);
// OOM and failed runs are counted, not ranked.
struct Ranking {
  std::vector<const SweepResult*> ranked;
  std::size_t oom = 0;
  std::size_t failed = 0;
};
Ranking rank_results(const SweepSpec& spec, const std::vector<SweepConfig>& configs,
                     const std::vector<SweepResult>& results);

// The comparison a person reads first: the top configurations, then, for every axis whose
// values are strings (strategy, recompute, schedule ...), the best configuration of each
// value and its objective relative to the best overall. Plain text, for stdout: tables
// with a header and units (runs/sweep_table.hpp). `base_strategy`: the strategy of
// configurations whose key does not name one.
std::string comparison_text(const SweepSpec& spec, const Ranking& ranking, std::size_t top,
                            core::Strategy base_strategy);

// `results`: every stored result; only those whose key belongs to the sweep count.
// best.json also holds "best_by": {axis: {value: entry}} for the string-valued axes.
// `agreement`: the analytic tier's error on the simulated configurations, when known.
void write_best_json(const std::string& path, const SweepSpec& spec, const std::vector<SweepConfig>& configs,
                     const std::vector<SweepResult>& results, const EstimateAgreement* agreement = nullptr);
void write_pruned_json(const std::string& path, const SweepSpec& spec, const PruneSummary& summary);

// The reasons in checking order (sweep_prune.hpp), for counts that list every reason.
const std::vector<std::string>& prune_reasons();

}  // namespace lcperf::runs
