#include "cli/sweep_outputs.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/sweep_prune.hpp"
#include "core/atomic_file.hpp"

namespace lcperf::cli {

namespace {

using nlohmann::json;

json objective_json(const SweepObjective& objective) {
  return json{{objective.maximize ? "maximize" : "minimize", objective.metric}};
}

}  // namespace

const std::vector<std::string>& prune_reasons() {
  static const std::vector<std::string> reasons = {kPruneDerive, kPruneEquivalent, kPruneTp,     kPrunePp,
                                                   kPruneCluster, kPruneOther,     kPruneGpus, kPruneMemory};
  return reasons;
}

void write_best_json(const std::string& path, const SweepSpec& spec, const std::vector<SweepConfig>& configs,
                     const std::vector<SweepResult>& results) {
  std::set<std::string> keys;
  for (const SweepConfig& c : configs) keys.insert(c.key);
  std::vector<const SweepResult*> ranked;
  std::size_t oom = 0;
  std::size_t failed = 0;
  for (const SweepResult& r : results) {
    if (keys.count(r.key) == 0) continue;  // another sweep's line sharing the folder
    if (!r.ok) {
      ++failed;
    } else if (r.oom) {
      ++oom;
    } else {
      ranked.push_back(&r);
    }
  }
  const std::string& metric = spec.objective.metric;
  const bool maximize = spec.objective.maximize;
  std::sort(ranked.begin(), ranked.end(), [&](const SweepResult* a, const SweepResult* b) {
    const double x = a->metrics.at(metric);
    const double y = b->metrics.at(metric);
    if (x != y) return maximize ? x > y : x < y;
    return a->key < b->key;
  });
  json top = json::array();
  for (std::size_t i = 0; i < ranked.size() && i < static_cast<std::size_t>(spec.top); ++i) {
    json entry{{"rank", i + 1}, {"config", json::parse(ranked[i]->config)}};
    for (const auto& [name, value] : ranked[i]->metrics) entry[name] = value;
    entry["peak_memory_bytes"] = static_cast<std::int64_t>(ranked[i]->metrics.at("peak_memory_bytes"));
    top.push_back(std::move(entry));
  }
  const json best{{"sweep", spec.name},       {"objective", objective_json(spec.objective)},
                  {"ranked", ranked.size()},  {"oom", oom},
                  {"failed", failed},         {"top", std::move(top)}};
  core::write_file_atomically(path, best.dump(2) + "\n");
}

void write_pruned_json(const std::string& path, const SweepSpec& spec, const PruneSummary& summary) {
  json counts = json::object();
  for (const std::string& reason : prune_reasons()) counts[reason] = 0;
  json list = json::array();
  for (const PrunedConfig& p : summary.pruned) {
    counts[p.reason] = counts[p.reason].get<std::size_t>() + 1;
    list.push_back(json{{"index", p.index}, {"config", json::parse(p.key)}, {"reason", p.reason}, {"detail", p.detail}});
  }
  const json pruned{{"sweep", spec.name},
                    {"configurations", summary.configurations},
                    {"shard", summary.shard},
                    {"selected", summary.selected},
                    {"survivors", summary.survivors},
                    {"pruned_total", summary.pruned.size()},
                    {"counts", std::move(counts)},
                    {"pruned", std::move(list)}};
  core::write_file_atomically(path, pruned.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace lcperf::cli
