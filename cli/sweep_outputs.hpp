#pragma once
// The summary files of a sweep, each written atomically:
//   DIR/best.json    the top configurations by the objective, OOM and failed runs excluded,
//                    ties broken by key so the file is deterministic;
//   DIR/pruned.json  counts per prune reason and every pruned configuration with its detail.
#include <cstddef>
#include <string>
#include <vector>

#include "cli/sweep_configs.hpp"
#include "cli/sweep_results.hpp"
#include "cli/sweep_spec.hpp"

namespace lcperf::cli {

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

// `results`: every stored result; only those whose key belongs to the sweep count.
void write_best_json(const std::string& path, const SweepSpec& spec, const std::vector<SweepConfig>& configs,
                     const std::vector<SweepResult>& results);
void write_pruned_json(const std::string& path, const SweepSpec& spec, const PruneSummary& summary);

// The reasons in checking order (sweep_prune.hpp), for counts that list every reason.
const std::vector<std::string>& prune_reasons();

}  // namespace lcperf::cli
