// What goes on each kind of report page. Metrics come from result.json by their
// contract names (reports/result_json.cpp, cli/serving_run.cpp, cli/sweep_results.hpp).
#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "reports/format.hpp"
#include "reports/html_report.hpp"
#include "reports/page_json.hpp"
#include "reports/pipeline_svg.hpp"
#include "reports/svg_charts.hpp"

namespace lcperf::reports {

namespace {

using nlohmann::json;

constexpr std::size_t kMemoryPanelsShown = 8;



// "Llama-3-8B: 32 layers, hidden 4096, 8.03 B parameters" from result.json's model.
std::string model_fact(const json& model) {
  std::ostringstream text;
  text << model.value("id", std::string("?")) << ": " << model.value("layers", 0) << " layers, hidden "
       << model.value("hidden", 0) << ", " << model.value("heads", 0) << " heads (" << model.value("kv_heads", 0)
       << " KV)";
  if (model.contains("params") && model["params"].is_number()) {
    text << ", " << format_number(model["params"].get<double>() / 1e9) << " B parameters";
  }
  return text.str();
}

std::string cluster_fact(const json& cluster) {
  std::ostringstream text;
  text << cluster.value("id", std::string("?")) << ": " << cluster.value("nodes", 0) << " x "
       << cluster.value("gpus_per_node", 0) << " " << cluster.value("gpu", std::string("?"));
  if (cluster.contains("hbm_bytes") && cluster["hbm_bytes"].is_number()) {
    text << " (" << format_bytes(cluster["hbm_bytes"].get<double>()) << " HBM each)";
  }
  return text.str();
}

std::string parallel_fact(const json& p) {
  std::ostringstream text;
  text << "TP " << p.value("tp", 1) << (p.value("sequence_parallel", false) ? " (+SP)" : "") << ", PP "
       << p.value("pp", 1);
  if (p.value("virtual_stages", 1) > 1) text << " x " << p.value("virtual_stages", 1) << " virtual";
  text << ", DP " << p.value("dp", 1) << (p.value("distributed_optimizer", false) ? " (distributed optimizer)" : "")
       << ", CP " << p.value("cp", 1) << "; " << p.value("num_micro_batches", 1) << " micro-batches of "
       << p.value("micro_batch_size", 1);
  return text.str();
}

// Ranks whose memory replays identically (the TP and DP peers of a pipeline stage,
// usually) share one panel: the page shows each distinct curve once.
std::vector<std::vector<int>> ranks_with_alike_memory(const core::RunRecords& records) {
  std::map<int, std::vector<std::tuple<double, int, std::int64_t>>> series;
  for (const auto& e : records.memory) series[e.rank].emplace_back(e.time_s, static_cast<int>(e.tag), e.delta_bytes);
  std::map<std::vector<std::tuple<double, int, std::int64_t>>, std::vector<int>> groups;
  std::vector<std::vector<int>> ordered;
  for (auto& [rank, events] : series) {
    std::stable_sort(events.begin(), events.end());
    groups[events].push_back(rank);
  }
  for (auto& [events, ranks] : groups) ordered.push_back(ranks);
  std::sort(ordered.begin(), ordered.end());  // by first rank
  return ordered;
}

std::string rank_list(const std::vector<int>& ranks) {
  // Runs of consecutive ranks as "a-b", the rest comma-separated.
  std::string text;
  for (std::size_t i = 0; i < ranks.size();) {
    std::size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
    text += (text.empty() ? "" : ", ") + std::to_string(ranks[i]);
    if (j > i) text += (j == i + 1 ? ", " : "-") + std::to_string(ranks[j]);
    i = j + 1;
  }
  return text;
}

}  // namespace

ReportPage training_page(const std::string& result_json, const core::RunRecords& records) {
  const json doc = parse_object(result_json, "result.json");
  ReportPage page;
  page.title = "lcperf report: " + doc.value("scenario", std::string("training run"));
  if (doc.contains("model") && doc["model"].is_object()) page.facts.emplace_back("model", model_fact(doc["model"]));
  if (doc.contains("cluster") && doc["cluster"].is_object()) {
    page.facts.emplace_back("cluster", cluster_fact(doc["cluster"]));
  }
  if (doc.contains("parallel") && doc["parallel"].is_object()) {
    page.facts.emplace_back("parallel layout", parallel_fact(doc["parallel"]));
  }
  if (doc.contains("strategy") && doc["strategy"].is_object()) {
    const json& s = doc["strategy"];
    page.facts.emplace_back("strategy", s.value("name", std::string("?")) + ", schedule " +
                                            s.value("schedule", std::string("?")) + ", recompute " +
                                            s.value("recompute", std::string("?")));
  }
  add_fact(page, doc, "iteration_time_s", "s");
  add_fact(page, doc, "tokens_per_s", "tokens/s");
  add_fact(page, doc, "mfu", "ratio");
  add_fact(page, doc, "bubble_ratio", "ratio");
  add_fact(page, doc, "peak_memory_bytes", "bytes");
  add_fact(page, doc, "recompute_time_s", "s");
  add_fact(page, doc, "world_size", "ranks");
  if (doc.value("oom", false)) page.facts.emplace_back("oom", "yes: the run ran out of memory");

  PipelineSvgOptions gantt;
  gantt.width_px = 1100;
  gantt.max_ranks = 32;
  page.sections.push_back({"Pipeline timeline",
                           "One row per rank: compute-stream ops by category on the upper lane, labelled with their "
                           "micro-batch where they are wide enough; communication on the thin lane beneath. Grey is "
                           "time the compute stream sat idle (pipeline bubbles and waits on communication); the share "
                           "is at the right of each row. Hover a box for its ops.",
                           {pipeline_svg(records, gantt)},
                           {}});

  MemoryPanel panel;
  if (doc.contains("cluster") && doc["cluster"].is_object()) panel.hbm_limit_bytes = doc["cluster"].value("hbm_bytes", 0.0);
  const std::vector<std::vector<int>> groups = ranks_with_alike_memory(records);
  ReportSection memory{"Memory over time", "", {}, {}};
  memory.note = "Bytes in use, stacked by what they hold (memory.csv replayed as a step function), against the "
                "device's HBM (dashed). Ranks whose memory is identical over the iteration (a stage's tensor- and "
                "data-parallel peers) share one panel.";
  if (groups.size() > kMemoryPanelsShown) {
    memory.note += " Showing the first " + std::to_string(kMemoryPanelsShown) + " of " + std::to_string(groups.size()) +
                   " distinct curves.";
  }
  for (const std::vector<int>& ranks : groups) {
    if (memory.svgs.size() == kMemoryPanelsShown) break;
    panel.title = (ranks.size() == 1 ? "Memory of rank " : "Memory of ranks ") + rank_list(ranks);
    memory.svgs.push_back(memory_svg(records, ranks.front(), panel));
  }
  if (groups.empty()) memory.note = "memory.csv is missing or empty: no memory plot.";
  page.sections.push_back(std::move(memory));
  return page;
}

namespace {

// "chunkflow tp=2 pp=1 chunk_size=8192": the strategy first, then each axis's last path
// component with its value, for labels on the chart.
std::string short_config(const json& config) {
  std::string text;
  if (config.contains("strategy.name") && config["strategy.name"].is_string()) text = config["strategy.name"];
  for (const auto& [path, value] : config.items()) {
    if (path == "strategy.name") continue;
    const std::string name = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
    text += (text.empty() ? "" : " ") + name + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return text;
}

double number_or_nan(const json& row, const char* key) {
  return row.contains(key) && row[key].is_number() ? row[key].get<double>() : std::numeric_limits<double>::quiet_NaN();
}

std::string shown(double value, const std::string& unit) {
  return std::isfinite(value) ? format_quantity(value, unit) : std::string("—");
}

}  // namespace

ReportPage sweep_page(const std::string& results_jsonl, const std::string& best_json) {
  std::vector<SweepPoint> points;
  std::vector<json> rows;
  std::vector<std::string> axes;  // config keys in first-seen order
  int oom = 0, failed = 0, lines = 0, estimated = 0;
  std::istringstream in(results_jsonl);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++lines;
    const json row = json::parse(line, nullptr, false);
    if (row.is_discarded() || !row.is_object() || !row.value("ok", false)) {
      ++failed;
      continue;
    }
    const json config = row.contains("config") && row["config"].is_object() ? row["config"] : json::object();
    for (const auto& [path, value] : config.items()) {
      if (std::find(axes.begin(), axes.end(), path) == axes.end()) axes.push_back(path);
    }
    // The strategy is the first column, as it decides which other axes apply.
    if (const auto s = std::find(axes.begin(), axes.end(), "strategy.name"); s != axes.end()) {
      std::rotate(axes.begin(), s, s + 1);
    }
    rows.push_back(row);
    if (row.value("oom", false)) {
      ++oom;
      continue;
    }
    // A two-tier sweep's estimated lines: no simulated peak (only a lower bound), so they
    // stay off the memory axis and the Pareto front (the table lists them, marked).
    if (row.value("source", std::string()) == "estimated") {
      ++estimated;
      continue;
    }
    std::string group = "base strategy";
    if (config.contains("strategy.name") && config["strategy.name"].is_string()) group = config["strategy.name"];
    points.push_back({row.value("peak_memory_bytes", 0.0), row.value("tokens_per_s", 0.0), group, config.dump(),
                      short_config(config)});
  }
  const json best = best_json.empty() ? json::object() : parse_object(best_json, "best.json");
  ReportPage page;
  page.title = "lcperf report: sweep " + best.value("sweep", std::string());
  page.facts.emplace_back("configurations in results.jsonl", std::to_string(lines));
  page.facts.emplace_back("plotted (ran, fit in memory)", std::to_string(points.size()));
  page.facts.emplace_back("estimated only (not simulated, not plotted)", std::to_string(estimated));
  page.facts.emplace_back("out of memory", std::to_string(oom));
  page.facts.emplace_back("failed or unreadable", std::to_string(failed));
  if (best.contains("top") && best["top"].is_array() && !best["top"].empty()) {
    page.facts.emplace_back("best (best.json)", short_config(best["top"][0].value("config", json::object())));
  }
  page.sections.push_back({"Throughput vs memory",
                           "Each dot is one configuration that ran and fit in memory, coloured by strategy.name. The "
                           "ringed, labelled dots joined by the dashed line are the Pareto front: no other "
                           "configuration has more throughput with less memory. Hover a dot for its configuration.",
                           {sweep_scatter_svg(points, "Sweep: throughput vs peak memory")},
                           {}});

  // Every configuration that ran, best first by throughput; a header click re-sorts.
  Table table;
  for (const std::string& axis : axes) table.headers.push_back(axis);
  for (const char* column : {"tokens/s", "iteration time", "peak memory", "MFU", "fits", "est./sim."}) {
    table.headers.push_back(column);
  }
  table.right_aligned.assign(axes.size(), false);
  for (int i = 0; i < 4; ++i) table.right_aligned.push_back(true);
  table.right_aligned.insert(table.right_aligned.end(), {false, false});
  std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    return a.value("tokens_per_s", 0.0) > b.value("tokens_per_s", 0.0);
  });
  for (const json& row : rows) {
    const json& config = row["config"];
    std::vector<std::string> cells;
    std::vector<double> keys;
    for (const std::string& axis : axes) {
      const bool has = config.contains(axis);
      cells.push_back(!has ? "—" : config[axis].is_string() ? config[axis].get<std::string>() : config[axis].dump());
      keys.push_back(has && config[axis].is_number() ? config[axis].get<double>() : std::numeric_limits<double>::quiet_NaN());
    }
    const double tokens = number_or_nan(row, "tokens_per_s"), time = number_or_nan(row, "iteration_time_s");
    const double memory = number_or_nan(row, "peak_memory_bytes"), mfu = number_or_nan(row, "mfu");
    const bool estimate = row.value("source", std::string()) == "estimated";
    // An estimate's memory is the pruning's lower bound, so it is shown as one.
    cells.insert(cells.end(), {shown(tokens, "tokens/s"), shown(time, "s"),
                               (estimate && std::isfinite(memory) ? "≥ " : "") + shown(memory, "bytes"),
                               shown(mfu, "ratio"), row.value("oom", false) ? "out of memory" : "yes",
                               estimate ? "est." : "sim."});
    const double nan = std::numeric_limits<double>::quiet_NaN();
    keys.insert(keys.end(), {tokens, time, memory, mfu, nan, nan});
    table.rows.push_back(std::move(cells));
    table.sort_keys.push_back(std::move(keys));
  }
  page.sections.push_back({"Configurations",
                           "Every configuration that ran, by throughput; click a header to sort by that column. "
                           "est. rows were ranked by the analytic estimate only (their memory is its lower bound); "
                           "sim. rows were simulated. pruned.json lists the ones pruned before either, with the reason.",
                           {},
                           std::move(table)});
  return page;
}

json parse_object(const std::string& text, const std::string& what) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw core::InputError(what + ": not a JSON object");
  return doc;
}

void add_fact(ReportPage& page, const json& doc, const std::string& key, const std::string& unit) {
  if (!doc.contains(key) || !doc[key].is_number()) return;
  page.facts.emplace_back(key, format_quantity(doc[key].get<double>(), unit));
}

}  // namespace lcperf::reports
