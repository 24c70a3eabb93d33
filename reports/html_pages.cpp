// What goes on each kind of report page. Metrics come from result.json by their
// contract names (reports/result_json.cpp, cli/serving_run.cpp, cli/sweep_results.hpp).
#include <algorithm>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "reports/format.hpp"
#include "reports/html_report.hpp"
#include "reports/svg_charts.hpp"

namespace lcperf::reports {

namespace {

using nlohmann::json;

constexpr std::size_t kMemoryRanksShown = 8;

json parse_object(const std::string& text, const std::string& what) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw core::InputError(what + ": not a JSON object");
  return doc;
}

// The value of a numeric field, formatted by the unit its name implies.
void add_fact(ReportPage& page, const json& doc, const std::string& key, const std::string& unit) {
  if (!doc.contains(key) || !doc[key].is_number()) return;
  page.facts.emplace_back(key, format_quantity(doc[key].get<double>(), unit));
}

}  // namespace

ReportPage training_page(const std::string& result_json, const core::RunRecords& records) {
  const json doc = parse_object(result_json, "result.json");
  ReportPage page;
  page.title = "lcperf report: " + doc.value("scenario", std::string("training run"));
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

  page.sections.push_back({"Pipeline timeline",
                           "One row per rank: compute-stream ops by category on the upper lane, communication on "
                           "the thin lane beneath. Light grey is time the compute stream sat idle (pipeline "
                           "bubbles and waits on communication). Hover a box for its ops.",
                           {gantt_svg(records)}});

  std::set<int> ranks;
  for (const auto& e : records.memory) ranks.insert(e.rank);
  ReportSection memory{"Memory over time", "", {}};
  memory.note = "Bytes in use per rank, stacked by what they hold (memory.csv replayed as a step function).";
  if (ranks.size() > kMemoryRanksShown) {
    memory.note += " Showing the first " + std::to_string(kMemoryRanksShown) + " of " + std::to_string(ranks.size()) +
                   " ranks.";
  }
  for (const int rank : ranks) {
    if (memory.svgs.size() == kMemoryRanksShown) break;
    memory.svgs.push_back(memory_svg(records, rank));
  }
  if (ranks.empty()) memory.note = "memory.csv is missing or empty: no memory plot.";
  page.sections.push_back(std::move(memory));
  return page;
}

ReportPage serving_page(const std::string& result_json) {
  const json doc = parse_object(result_json, "result.json");
  ReportPage page;
  page.title = "lcperf report: " + doc.value("scenario", std::string("serving run"));
  add_fact(page, doc, "requests", "requests");
  add_fact(page, doc, "completed", "requests");
  add_fact(page, doc, "rejected", "requests");
  add_fact(page, doc, "duration_s", "s");
  add_fact(page, doc, "throughput_tokens_per_s", "tokens/s");
  add_fact(page, doc, "output_tokens_per_s", "tokens/s");
  add_fact(page, doc, "preemptions", "");
  add_fact(page, doc, "peak_kv_bytes", "bytes");

  // result.json keeps percentiles, not per-request latencies, so the "CDF" is a step
  // through the known points; the page says so rather than pretending to more data.
  ReportSection cdfs{"Latency CDFs",
                     "result.json holds p50, p90 and p99 per metric, not per-request latencies, so each CDF is "
                     "a step through those percentile points; the curve between and above them is unknown.",
                     {}};
  const std::vector<std::pair<std::string, std::string>> metrics = {
      {"ttft_s", "Time to first token"}, {"tpot_s", "Time per output token"},
      {"e2e_s", "End-to-end latency"},   {"queueing_s", "Queueing delay"}};
  for (const auto& [key, title] : metrics) {
    if (!doc.contains(key) || !doc[key].is_object()) continue;
    CdfSeries series{key, {}};
    for (const auto& [name, fraction] : {std::pair{"p50", 0.5}, std::pair{"p90", 0.9}, std::pair{"p99", 0.99}}) {
      if (doc[key].contains(name) && doc[key][name].is_number()) {
        series.points.emplace_back(doc[key][name].get<double>(), fraction);
      }
    }
    std::sort(series.points.begin(), series.points.end());
    cdfs.svgs.push_back(cdf_svg({series}, title + " (" + key + ")", "latency"));
  }
  page.sections.push_back(std::move(cdfs));

  const double duration = doc.value("duration_s", 0.0);
  if (duration > 0) {
    const double load = doc.value("requests", 0.0) / duration;
    page.sections.push_back(
        {"Throughput vs load",
         "One replay is one load point (requests offered per second over the replay). Replay the trace at "
         "several rates (--set workload.time_scale=0.5 doubles the rate) for a curve.",
         {xy_svg({{load, doc.value("throughput_tokens_per_s", 0.0)}}, "Throughput vs offered load",
                 "offered load (requests/s)", "throughput (tokens/s)")}});
  }
  return page;
}

ReportPage sweep_page(const std::string& results_jsonl, const std::string& best_json) {
  std::vector<SweepPoint> points;
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
    if (row.value("oom", false)) {
      ++oom;
      continue;
    }
    // A two-tier sweep's estimated lines: no simulated peak (only a lower bound), so they
    // stay off the memory axis and the Pareto front.
    if (row.value("source", std::string()) == "estimated") {
      ++estimated;
      continue;
    }
    const json config = row.contains("config") ? row["config"] : json::object();
    std::string group = "base strategy";
    if (config.contains("strategy.name") && config["strategy.name"].is_string()) group = config["strategy.name"];
    points.push_back({row.value("peak_memory_bytes", 0.0), row.value("tokens_per_s", 0.0), group, config.dump()});
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
    page.facts.emplace_back("best (best.json)", best["top"][0].value("config", json::object()).dump());
  }
  std::string note = "Each dot is one configuration that ran and fit in memory, coloured by strategy.name. The "
                     "ringed dots joined by the dashed line are the Pareto front: no other configuration has "
                     "more throughput with less memory.";
  const std::vector<std::size_t> front = pareto_front(points);
  note += " Front, by increasing memory:";
  for (const std::size_t i : front) {
    note += " " + points[i].label + " (" + format_tokens_per_s(points[i].tokens_per_s) + ", " +
            format_bytes(points[i].peak_memory_bytes) + ");";
  }
  page.sections.push_back({"Throughput vs memory", note, {sweep_scatter_svg(points, "Sweep: throughput vs peak memory")}});
  return page;
}

}  // namespace lcperf::reports
