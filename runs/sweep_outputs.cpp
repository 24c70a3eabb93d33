#include "runs/sweep_outputs.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "runs/sweep_prune.hpp"
#include "runs/sweep_table.hpp"
#include "core/atomic_file.hpp"

namespace lcperf::runs {

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

Ranking rank_results(const SweepSpec& spec, const std::vector<SweepConfig>& configs,
                     const std::vector<SweepResult>& results) {
  std::set<std::string> keys;
  for (const SweepConfig& c : configs) keys.insert(c.key);
  Ranking ranking;
  for (const SweepResult& r : results) {
    if (keys.count(r.key) == 0) continue;  // another sweep's line sharing the folder
    if (!r.ok) {
      ++ranking.failed;
    } else if (r.oom) {
      ++ranking.oom;
    } else {
      ranking.ranked.push_back(&r);
    }
  }
  const std::string& metric = spec.objective.metric;
  const bool maximize = spec.objective.maximize;
  std::sort(ranking.ranked.begin(), ranking.ranked.end(), [&](const SweepResult* a, const SweepResult* b) {
    const double x = a->metrics.at(metric);
    const double y = b->metrics.at(metric);
    if (x != y) return maximize ? x > y : x < y;
    return a->key < b->key;
  });
  return ranking;
}

namespace {

json entry_json(const SweepResult& result, std::size_t rank) {
  json entry{{"rank", rank},
             {"config", json::parse(result.config)},
             {"source", result.estimated ? "estimated" : "simulated"}};
  for (const auto& [name, value] : result.metrics) entry[name] = value;
  entry["peak_memory_bytes"] = static_cast<std::int64_t>(result.metrics.at("peak_memory_bytes"));
  return entry;
}

// For each axis with string values: value (JSON text) -> rank (0-based) of its best result.
std::map<std::string, std::map<std::string, std::size_t>> best_by_category(const SweepSpec& spec,
                                                                           const Ranking& ranking) {
  std::map<std::string, std::map<std::string, std::size_t>> best;
  for (const SweepAxis& axis : spec.axes) {
    if (axis.values.empty() || axis.values.front().front() != '"') continue;
    auto& of_axis = best[axis.path];
    for (std::size_t i = 0; i < ranking.ranked.size(); ++i) {
      const json config = json::parse(ranking.ranked[i]->config);
      if (!config.contains(axis.path)) continue;
      of_axis.emplace(config.at(axis.path).dump(), i);  // the first seen is the best
    }
  }
  return best;
}

}  // namespace

std::string comparison_text(const SweepSpec& spec, const Ranking& ranking, std::size_t top,
                            core::Strategy base_strategy) {
  const std::string& metric = spec.objective.metric;
  const std::size_t estimated = static_cast<std::size_t>(std::count_if(
      ranking.ranked.begin(), ranking.ranked.end(), [](const SweepResult* r) { return r->estimated; }));
  std::ostringstream out;
  out << "best configurations by " << (spec.objective.maximize ? "max " : "min ") << metric << " ("
      << ranking.ranked.size() << " ranked: " << ranking.ranked.size() - estimated << " simulated, " << estimated
      << " estimated; " << ranking.oom << " OOM, " << ranking.failed << " failed):\n";
  if (ranking.ranked.empty()) return out.str();
  std::vector<const SweepResult*> rows;
  std::vector<std::size_t> ranks;
  for (std::size_t i = 0; i < ranking.ranked.size() && i < top; ++i) {
    rows.push_back(ranking.ranked[i]);
    ranks.push_back(i + 1);
  }
  out << results_table(spec, rows, ranks, base_strategy);
  const double best_value = ranking.ranked.front()->metrics.at(metric);
  for (const auto& [path, values] : best_by_category(spec, ranking)) {
    out << "best per " << path << " (" << metric_header(metric) << ", relative to the best overall):\n";
    rows.clear();
    ranks.clear();
    std::vector<std::string> relative;
    for (const auto& [value, index] : values) {
      const SweepResult& r = *ranking.ranked[index];
      const double v = r.metrics.at(metric);
      rows.push_back(&r);
      ranks.push_back(index + 1);
      char text[64];
      std::snprintf(text, sizeof text, "  %-12s %6.3fx", json::parse(value).get<std::string>().c_str(),
                    best_value != 0 ? v / best_value : 0.0);
      relative.push_back(text);
    }
    // The value and its ratio before each row of the table (the header row first).
    const std::string table = results_table(spec, rows, ranks, base_strategy);
    std::size_t line = 0;
    for (std::size_t at = 0, next = 0; at < table.size(); at = next + 1, ++line) {
      next = table.find('\n', at);
      const std::string prefix = line == 0 ? std::string(relative.front().size(), ' ') : relative[line - 1];
      out << prefix << table.substr(at, next - at) << "\n";
    }
  }
  if (estimated > 0) {
    out << "est. = ranked by the analytic estimate alone (not simulated: OOM not checked, memory is its lower bound); "
           "sim. = simulated\n";
  }
  return out.str();
}

void write_best_json(const std::string& path, const SweepSpec& spec, const std::vector<SweepConfig>& configs,
                     const std::vector<SweepResult>& results, const EstimateAgreement* agreement) {
  const Ranking ranking = rank_results(spec, configs, results);
  json top = json::array();
  for (std::size_t i = 0; i < ranking.ranked.size() && i < static_cast<std::size_t>(spec.top); ++i) {
    top.push_back(entry_json(*ranking.ranked[i], i + 1));
  }
  json best_by = json::object();
  for (const auto& [axis, values] : best_by_category(spec, ranking)) {
    json of_axis = json::object();
    for (const auto& [value, index] : values) {
      of_axis[json::parse(value).get<std::string>()] = entry_json(*ranking.ranked[index], index + 1);
    }
    best_by[axis] = std::move(of_axis);
  }
  const json best{{"sweep", spec.name},         {"objective", objective_json(spec.objective)},
                  {"ranked", ranking.ranked.size()}, {"oom", ranking.oom},
                  {"failed", ranking.failed},   {"top", std::move(top)},
                  {"best_by", std::move(best_by)}};
  json with_agreement = best;
  if (agreement != nullptr) {
    with_agreement["estimate_agreement"] = json{{"metric", spec.objective.metric},
                                                {"compared", agreement->compared},
                                                {"median_relative_error", agreement->median_relative_error},
                                                {"worst_relative_error", agreement->worst_relative_error},
                                                {"worst_config", agreement->compared > 0
                                                                     ? json::parse(agreement->worst_key)
                                                                     : json(nullptr)}};
  }
  core::write_file_atomically(path, with_agreement.dump(2) + "\n");
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

}  // namespace lcperf::runs
