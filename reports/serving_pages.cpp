// The report pages of serving runs: one replay (result.json, requests.csv,
// timeseries.csv) and a load curve (load_curve.json). Metrics come by their contract
// names (docs/contract.md); files an older run lacks leave their sections out or fall
// back to what result.json holds, and the page says which.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/format.hpp"
#include "reports/html_report.hpp"
#include "reports/page_json.hpp"
#include "reports/serving_charts.hpp"
#include "reports/svg_charts.hpp"

namespace lcperf::reports {

namespace {

using nlohmann::json;

struct LatencyMetric {
  const char* key;    // result.json object and requests.csv column
  const char* title;
};
constexpr LatencyMetric kLatencies[] = {{"ttft_s", "Time to first token"},
                                        {"tpot_s", "Time per output token"},
                                        {"e2e_s", "End-to-end latency"},
                                        {"queueing_s", "Queueing delay"}};

double number_or(const json& doc, const char* key, double fallback) {
  return doc.contains(key) && doc[key].is_number() ? doc[key].get<double>() : fallback;
}

// result.json's percentiles of one metric as CDF marks, those it has (p95 is newer).
std::vector<CdfMark> percentile_marks(const json& doc, const char* key) {
  std::vector<CdfMark> marks;
  if (!doc.contains(key) || !doc[key].is_object()) return marks;
  for (const char* p : {"p50", "p90", "p95", "p99"}) {
    if (doc[key].contains(p) && doc[key][p].is_number()) marks.push_back({doc[key][p].get<double>(), p});
  }
  return marks;
}

const std::vector<double>& values_of(const RequestLatencies& l, const std::string& key) {
  if (key == "ttft_s") return l.ttft_s;
  if (key == "tpot_s") return l.tpot_s;
  if (key == "e2e_s") return l.e2e_s;
  return l.queueing_s;
}

// True CDFs, one step per request, with result.json's percentiles marked.
ReportSection request_cdfs(const json& doc, const RequestLatencies& latencies) {
  ReportSection s{"Latency CDFs",
                  "Empirical CDFs over the " + std::to_string(latencies.rows) +
                      " requests of requests.csv: each curve rises once per request that has the latency "
                      "(completed requests; TPOT only for outputs of more than one token). Dashed lines mark "
                      "result.json's percentiles.",
                  {},
                  {}};
  for (const LatencyMetric& m : kLatencies) {
    const std::vector<double>& values = values_of(latencies, m.key);
    CdfSeries series{std::string(m.key) + " (" + std::to_string(values.size()) + " requests)", empirical_cdf(values)};
    s.svgs.push_back(cdf_svg({series}, std::string(m.title) + " (" + m.key + ")", "latency", percentile_marks(doc, m.key)));
  }
  return s;
}

// Without requests.csv (a run from before it existed) the CDF can only step through
// result.json's percentiles; the page says so rather than pretending to more data.
ReportSection percentile_cdfs(const json& doc) {
  ReportSection s{"Latency CDFs",
                  "This run folder has no requests.csv, and result.json holds percentiles, not per-request "
                  "latencies, so each CDF is a step through those percentile points; the curve between and "
                  "above them is unknown.",
                  {},
                  {}};
  for (const LatencyMetric& m : kLatencies) {
    if (!doc.contains(m.key) || !doc[m.key].is_object()) continue;
    CdfSeries series{m.key, {}};
    for (const auto& [name, fraction] :
         {std::pair{"p50", 0.5}, std::pair{"p90", 0.9}, std::pair{"p95", 0.95}, std::pair{"p99", 0.99}}) {
      if (doc[m.key].contains(name) && doc[m.key][name].is_number()) {
        series.points.emplace_back(doc[m.key][name].get<double>(), fraction);
      }
    }
    std::sort(series.points.begin(), series.points.end());
    s.svgs.push_back(cdf_svg({series}, std::string(m.title) + " (" + m.key + ")", "latency"));
  }
  return s;
}

std::string bound_text(const json& slo, const char* key) {
  return slo.contains(key) && slo[key].is_number() ? format_duration(slo[key].get<double>()) : "none";
}

ReportSection slo_box(const json& doc) {
  const json& slo = doc["slo"];
  ReportSection s{"SLO attainment and goodput",
                  "A request meets the SLO when it completed and every bound holds for it (a one-token output "
                  "meets any TPOT bound). Goodput counts only those requests, over the run's duration.",
                  {},
                  {}};
  s.table.headers = {"metric", "value"};
  s.table.right_aligned = {false, true};
  const double requests = number_or(slo, "requests", 0), met = number_or(slo, "met", 0);
  s.table.rows = {
      {"TTFT bound", bound_text(slo, "ttft_s")},
      {"TPOT bound", bound_text(slo, "tpot_s")},
      {"E2E bound", bound_text(slo, "e2e_s")},
      {"requests meeting the SLO", printf_string("%.0f of %.0f", met, requests)},
      {"attainment", format_percent(number_or(slo, "attainment", 0))},
      {"goodput (requests/s)", format_number(number_or(slo, "goodput_requests_per_s", 0))},
      {"goodput (output tokens/s)", format_tokens_per_s(number_or(slo, "goodput_tokens_per_s", 0))},
      {"all output (tokens/s)", format_tokens_per_s(number_or(doc, "output_tokens_per_s", 0))},
  };
  return s;
}

// result.json's itl_s.histogram: log-spaced bins of the gaps between a request's tokens.
ReportSection itl_section(const json& itl) {
  const json& h = itl["histogram"];
  std::vector<double> edges, counts;
  if (h.contains("upper_edges_s") && h["upper_edges_s"].is_array()) {
    for (const json& v : h["upper_edges_s"]) edges.push_back(v.is_number() ? v.get<double>() : 0.0);
  }
  if (h.contains("counts") && h["counts"].is_array()) {
    for (const json& v : h["counts"]) counts.push_back(v.is_number() ? v.get<double>() : 0.0);
  }
  std::string note = "Gaps between consecutive output tokens of each request (result.json itl_s, " +
                     printf_string("%.0f", number_or(itl, "count", 0)) + " gaps), in log-spaced bins, so equal widths "
                     "are equal ratios.";
  for (const char* p : {"p50", "p90", "p99"}) {
    if (itl.contains(p) && itl[p].is_number()) note += std::string(" ") + p + " " + format_duration(itl[p].get<double>()) + ".";
  }
  return {"Inter-token latency", note, {histogram_svg(edges, counts, "Inter-token latency (itl_s)", "gap between tokens")}, {}};
}

ReportSection timeseries_section(const std::vector<InstanceSample>& samples) {
  std::map<int, std::vector<const InstanceSample*>> by_instance;
  for (const InstanceSample& s : samples) by_instance[s.instance].push_back(&s);
  std::vector<LineSeries> kv, running, waiting;
  for (auto& [instance, rows] : by_instance) {
    std::stable_sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->time_s < b->time_s; });
    const std::string name = "instance " + std::to_string(instance);
    kv.push_back({name, {}, true, false});
    running.push_back({name, {}, true, false});
    waiting.push_back({name, {}, true, false});
    for (const InstanceSample* r : rows) {
      kv.back().points.emplace_back(r->time_s, r->kv_total_blocks > 0 ? r->kv_used_blocks / r->kv_total_blocks : 0.0);
      running.back().points.emplace_back(r->time_s, r->running);
      waiting.back().points.emplace_back(r->time_s, r->waiting);
    }
  }
  // A pool that never gets near full would draw as a flat line at zero on a 0..1 axis
  // (a light replay uses ~0.1 % of an H200's blocks), so the axis ends at the whole pool
  // only when use passes half of it; below that it fits the data.
  double kv_peak = 0;
  for (const LineSeries& series : kv)
    for (const auto& point : series.points) kv_peak = std::max(kv_peak, point.second);
  LineAxes kv_axes{"KV cache in use", "simulated time", "fraction of KV blocks", svg::seconds_tick, svg::plain_tick,
                   kv_peak > 0.5 ? 1.0 : 0.0};
  LineAxes run_axes{"Running batch", "simulated time", "requests running", svg::seconds_tick, svg::plain_tick, 0};
  LineAxes wait_axes{"Queue length", "simulated time", "requests waiting", svg::seconds_tick, svg::plain_tick, 0};
  return {"Engine state over time",
          "From timeseries.csv, one line per engine instance: KV blocks in use as a fraction of the instance's "
          "blocks, requests in the running batch, and requests waiting to be admitted, each held until the next "
          "sample.",
          {lines_svg(kv, kv_axes), lines_svg(running, run_axes), lines_svg(waiting, wait_axes)},
          {}};
}

}  // namespace

ReportPage serving_page(const ServingRunFiles& files) {
  const json doc = parse_object(files.result_json, "result.json");
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
  const bool has_slo = doc.contains("slo") && doc["slo"].is_object();
  if (has_slo) {
    page.facts.emplace_back("SLO attainment", format_percent(number_or(doc["slo"], "attainment", 0)));
    page.facts.emplace_back("goodput", format_number(number_or(doc["slo"], "goodput_requests_per_s", 0)) + " requests/s");
    page.sections.push_back(slo_box(doc));
  }

  if (!files.requests_csv.empty()) {
    page.sections.push_back(request_cdfs(doc, read_requests_csv(files.requests_csv, "requests.csv")));
  } else {
    page.sections.push_back(percentile_cdfs(doc));
  }
  if (doc.contains("itl_s") && doc["itl_s"].is_object() && doc["itl_s"].contains("histogram") &&
      doc["itl_s"]["histogram"].is_object()) {
    page.sections.push_back(itl_section(doc["itl_s"]));
  }
  if (!files.timeseries_csv.empty()) {
    page.sections.push_back(timeseries_section(read_timeseries_csv(files.timeseries_csv, "timeseries.csv")));
  }

  const double duration = number_or(doc, "duration_s", 0);
  if (duration > 0) {
    const double load = number_or(doc, "requests", 0) / duration;
    page.sections.push_back(
        {"Throughput vs load",
         "One replay is one load point (requests offered per second over the replay). `lcperf load-curve` "
         "replays the trace at several rates and draws the curve.",
         {xy_svg({{load, number_or(doc, "throughput_tokens_per_s", 0)}}, "Throughput vs offered load",
                 "offered load (requests/s)", "throughput (tokens/s)")},
         {}});
  }
  return page;
}

ReportPage load_curve_page(const std::string& load_curve_json) {
  const json doc = parse_object(load_curve_json, "load_curve.json");
  std::vector<json> points;
  if (doc.contains("points") && doc["points"].is_array()) {
    for (const json& p : doc["points"]) {
      if (p.is_object()) points.push_back(p);
    }
  }
  // The curve runs from light to heavy load whatever order the scales were given in.
  std::stable_sort(points.begin(), points.end(), [](const json& a, const json& b) {
    return number_or(a, "offered_requests_per_s", 0) < number_or(b, "offered_requests_per_s", 0);
  });
  const bool has_slo = doc.contains("slo") && doc["slo"].is_object();
  ReportPage page;
  page.title = "lcperf report: load curve " + doc.value("scenario", std::string());
  page.facts.emplace_back("load points", std::to_string(points.size()));
  if (has_slo) {
    page.facts.emplace_back("SLO", "TTFT " + bound_text(doc["slo"], "ttft_s") + ", TPOT " +
                                       bound_text(doc["slo"], "tpot_s") + ", E2E " + bound_text(doc["slo"], "e2e_s"));
  }

  const auto series = [&](const std::string& name, const char* key, double scale = 1) {
    LineSeries s{name, {}, false, true};
    for (const json& p : points) {
      if (p.contains(key) && p[key].is_number()) {
        s.points.emplace_back(number_or(p, "offered_requests_per_s", 0), p[key].get<double>() * scale);
      }
    }
    return s;
  };
  const std::string x = "offered load (requests/s)";
  // Loads usually step by factors (scales 2, 1, 0.5, ...): over more than a decade the
  // offered-load axis is logarithmic, so the light loads do not crowd at its origin.
  double least = std::numeric_limits<double>::infinity(), most = 0;
  for (const json& p : points) {
    const double offered = number_or(p, "offered_requests_per_s", 0);
    if (offered > 0) least = std::min(least, offered);
    most = std::max(most, offered);
  }
  const bool log_x = most > 10 * least;
  const auto axes = [&](const std::string& title, const std::string& y_label, svg::TickFormat y_ticks, double y_max) {
    return LineAxes{title, x, y_label, svg::plain_tick, y_ticks, y_max, log_x};
  };
  // The offered tokens are not drawn: past saturation they run off the served scale.
  std::vector<LineSeries> tokens = {series("served (prompt + output)", "throughput_tokens_per_s"),
                                    series("output tokens", "output_tokens_per_s")};
  if (has_slo) tokens.push_back(series("goodput (output tokens within SLO)", "goodput_tokens_per_s"));
  ReportSection throughput{"Throughput and goodput vs offered load",
                           "One point per run (one arrival-time scale). Served throughput follows the offered load "
                           "until the engines saturate, then flattens; goodput counts only the output of requests "
                           "that met the SLO.",
                           {lines_svg(tokens, axes("Throughput vs offered load", "tokens/s", svg::thousands_tick, 0))},
                           {}};
  if (has_slo) {
    throughput.svgs.push_back(lines_svg({series("goodput (met the SLO)", "goodput_requests_per_s")},
                                        axes("Goodput vs offered load", "requests/s", svg::plain_tick, 0)));
    throughput.svgs.push_back(lines_svg({series("SLO attainment", "slo_attainment")},
                                        axes("SLO attainment vs offered load", "fraction of requests",
                                             svg::plain_tick, 1.0)));
  }
  page.sections.push_back(std::move(throughput));
  page.sections.push_back(
      {"Latency vs offered load",
       "Percentiles of each run's requests (result.json); queueing shows as TTFT rising once the offered load "
       "passes what the engines serve.",
       {lines_svg({series("p50", "ttft_p50_s"), series("p90", "ttft_p90_s"), series("p99", "ttft_p99_s")},
                  axes("TTFT vs offered load", "time to first token", svg::seconds_tick, 0)),
        lines_svg({series("p50", "tpot_p50_s"), series("p90", "tpot_p90_s"), series("p99", "tpot_p99_s")},
                  axes("TPOT vs offered load", "time per output token", svg::seconds_tick, 0))},
       {}});

  Table table;
  table.headers = {"scale", "offered (req/s)", "throughput (tokens/s)", "completed", "TTFT p90", "TPOT p90",
                   "E2E p90", "SLO attainment", "goodput (req/s)"};
  table.right_aligned.assign(table.headers.size(), true);
  for (const json& p : points) {
    const auto optional_cell = [&](const char* key, bool percent) {
      if (!p.contains(key) || !p[key].is_number()) return std::string("—");
      return percent ? format_percent(p[key].get<double>()) : format_number(p[key].get<double>());
    };
    table.rows.push_back({format_number(number_or(p, "scale", 0)), format_number(number_or(p, "offered_requests_per_s", 0)),
                          format_tokens_per_s(number_or(p, "throughput_tokens_per_s", 0)),
                          printf_string("%.0f of %.0f", number_or(p, "completed", 0), number_or(p, "requests", 0)),
                          format_duration(number_or(p, "ttft_p90_s", 0)), format_duration(number_or(p, "tpot_p90_s", 0)),
                          format_duration(number_or(p, "e2e_p90_s", 0)), optional_cell("slo_attainment", true),
                          optional_cell("goodput_requests_per_s", false)});
    const double nan = std::numeric_limits<double>::quiet_NaN();
    table.sort_keys.push_back({number_or(p, "scale", nan), number_or(p, "offered_requests_per_s", nan),
                               number_or(p, "throughput_tokens_per_s", nan), number_or(p, "completed", nan),
                               number_or(p, "ttft_p90_s", nan), number_or(p, "tpot_p90_s", nan),
                               number_or(p, "e2e_p90_s", nan), number_or(p, "slo_attainment", nan),
                               number_or(p, "goodput_requests_per_s", nan)});
  }
  page.sections.push_back({"Load points",
                           "Each run's files are in the folder named after its scale (scale-<s>/); "
                           "`lcperf report` on one of them shows its latency CDFs.",
                           {},
                           std::move(table)});
  return page;
}

}  // namespace lcperf::reports
