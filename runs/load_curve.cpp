#include "runs/load_curve.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "reports/format.hpp"
#include "runs/serving_run.hpp"

namespace lcperf::runs {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Shortest text that reads back to the same double, so a CSV cell equals result.json's
// (and a scale of 0.1 reads "0.1", not "0.10000000000000001").
std::string exact(double value) {
  char text[32];
  for (int digits = 15; digits < 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) return text;
  }
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

std::string exact_or_empty(const std::optional<double>& value) { return value ? exact(*value) : ""; }

double at(const json& doc, const char* key, const char* sub) { return doc.at(key).at(sub).get<double>(); }

ordered_json optional_json(const std::optional<double>& value) { return value ? ordered_json(*value) : nullptr; }

}  // namespace

OfferedLoad offered_load(const core::Scenario& s) {
  const std::string origin = s.source_path.empty() ? s.name : s.source_path;
  if (s.requests.kind == core::ServingWorkloadKind::fixed) {
    throw core::InputError(origin + ": $.workload.kind: a fixed workload is a closed loop with no arrival rate to "
                           "scale; load-curve needs a trace");
  }
  const auto requests =
      load_serving_requests(s, serving_trace_path(s), std::string(to_string(s.requests.format)));
  double first = std::numeric_limits<double>::infinity(), last = -first, tokens = 0;
  for (const auto& r : requests) {
    first = std::min(first, r.arrival_s);
    last = std::max(last, r.arrival_s);
    tokens += static_cast<double>(r.prompt_tokens + r.output_tokens);
  }
  if (requests.size() < 2 || !(last > first)) {
    throw core::InputError(origin + ": $.workload: the trace's requests arrive at one instant (or there are fewer "
                           "than two): no arrival rate to scale");
  }
  return {static_cast<double>(requests.size()) / (last - first), tokens / (last - first)};
}

LoadCurveRow load_curve_row(double scale, const OfferedLoad& base, const std::string& result_json) {
  const json doc = json::parse(result_json);
  LoadCurveRow row;
  row.scale = scale;
  row.offered_requests_per_s = base.requests_per_s / scale;
  row.offered_tokens_per_s = base.tokens_per_s / scale;
  row.requests = doc.at("requests").get<int>();
  row.completed = doc.at("completed").get<int>();
  row.rejected = doc.at("rejected").get<int>();
  row.throughput_tokens_per_s = doc.at("throughput_tokens_per_s").get<double>();
  row.output_tokens_per_s = doc.at("output_tokens_per_s").get<double>();
  row.ttft_p50_s = at(doc, "ttft_s", "p50");
  row.ttft_p90_s = at(doc, "ttft_s", "p90");
  row.ttft_p99_s = at(doc, "ttft_s", "p99");
  row.tpot_p50_s = at(doc, "tpot_s", "p50");
  row.tpot_p90_s = at(doc, "tpot_s", "p90");
  row.tpot_p99_s = at(doc, "tpot_s", "p99");
  row.e2e_p90_s = at(doc, "e2e_s", "p90");
  if (doc.contains("slo")) {
    const json& slo = doc.at("slo");
    row.slo_attainment = slo.at("attainment").get<double>();
    row.goodput_requests_per_s = slo.at("goodput_requests_per_s").get<double>();
    row.goodput_tokens_per_s = slo.at("goodput_tokens_per_s").get<double>();
  }
  return row;
}

std::string scale_folder(double scale) { return "scale-" + reports::printf_string("%g", scale); }

std::vector<LoadCurveRow> run_load_curve(const std::vector<LoadCurveRun>& runs, const OfferedLoad& base, int jobs,
                                         const std::filesystem::path& staging, const ForkedProgress& progress) {
  std::vector<ForkedRun> forked;
  for (const LoadCurveRun& run : runs) {
    ForkedRun f;
    f.id = scale_folder(run.scale);
    f.scenario = run.scenario;
    f.serving_files_dir = (staging / f.id).string();
    forked.push_back(std::move(f));
  }
  const std::vector<ForkedOutcome> outcomes = run_forked(forked, jobs, progress);
  std::vector<LoadCurveRow> rows;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const ForkedOutcome& o = outcomes[i];
    if (!o.ok) {
      const std::string message = o.id + ": " + o.error;
      if (o.input_error) throw core::InputError(message);
      throw std::runtime_error(message);
    }
    rows.push_back(load_curve_row(runs[i].scale, base, o.serving_result_json));
  }
  return rows;
}

std::string load_curve_csv(const std::vector<LoadCurveRow>& rows) {
  std::string out =
      "scale,offered_requests_per_s,offered_tokens_per_s,requests,completed,rejected,throughput_tokens_per_s,"
      "output_tokens_per_s,ttft_p50_s,ttft_p90_s,ttft_p99_s,tpot_p50_s,tpot_p90_s,tpot_p99_s,e2e_p90_s,"
      "slo_attainment,goodput_requests_per_s,goodput_tokens_per_s\n";
  for (const LoadCurveRow& r : rows) {
    out += exact(r.scale) + "," + exact(r.offered_requests_per_s) + "," + exact(r.offered_tokens_per_s) + "," +
           std::to_string(r.requests) + "," + std::to_string(r.completed) + "," + std::to_string(r.rejected) + "," +
           exact(r.throughput_tokens_per_s) + "," + exact(r.output_tokens_per_s) + "," + exact(r.ttft_p50_s) + "," +
           exact(r.ttft_p90_s) + "," + exact(r.ttft_p99_s) + "," + exact(r.tpot_p50_s) + "," + exact(r.tpot_p90_s) +
           "," + exact(r.tpot_p99_s) + "," + exact(r.e2e_p90_s) + "," + exact_or_empty(r.slo_attainment) + "," +
           exact_or_empty(r.goodput_requests_per_s) + "," + exact_or_empty(r.goodput_tokens_per_s) + "\n";
  }
  return out;
}

std::string load_curve_json(const std::string& scenario, const core::ServingSlo& slo,
                            const std::vector<LoadCurveRow>& rows) {
  ordered_json doc;
  doc["kind"] = "load_curve";
  doc["scenario"] = scenario;
  doc["slo"] = slo.any() ? ordered_json{{"ttft_s", optional_json(slo.ttft_s)},
                                        {"tpot_s", optional_json(slo.tpot_s)},
                                        {"e2e_s", optional_json(slo.e2e_s)}}
                         : ordered_json(nullptr);
  doc["points"] = ordered_json::array();
  for (const LoadCurveRow& r : rows) {
    doc["points"].push_back({{"scale", r.scale},
                             {"folder", scale_folder(r.scale)},
                             {"offered_requests_per_s", r.offered_requests_per_s},
                             {"offered_tokens_per_s", r.offered_tokens_per_s},
                             {"requests", r.requests},
                             {"completed", r.completed},
                             {"rejected", r.rejected},
                             {"throughput_tokens_per_s", r.throughput_tokens_per_s},
                             {"output_tokens_per_s", r.output_tokens_per_s},
                             {"ttft_p50_s", r.ttft_p50_s},
                             {"ttft_p90_s", r.ttft_p90_s},
                             {"ttft_p99_s", r.ttft_p99_s},
                             {"tpot_p50_s", r.tpot_p50_s},
                             {"tpot_p90_s", r.tpot_p90_s},
                             {"tpot_p99_s", r.tpot_p99_s},
                             {"e2e_p90_s", r.e2e_p90_s},
                             {"slo_attainment", optional_json(r.slo_attainment)},
                             {"goodput_requests_per_s", optional_json(r.goodput_requests_per_s)},
                             {"goodput_tokens_per_s", optional_json(r.goodput_tokens_per_s)}});
  }
  return doc.dump(2) + "\n";
}

reports::Table load_curve_table(const std::vector<LoadCurveRow>& rows) {
  reports::Table t;
  t.headers = {"scale", "offered (req/s)", "throughput (tok/s)", "output (tok/s)", "completed",
               "TTFT p50/p90/p99 (s)", "TPOT p50/p90/p99 (ms)", "E2E p90 (s)", "SLO met", "goodput (req/s)"};
  t.right_aligned.assign(t.headers.size(), true);
  using reports::printf_string;
  for (const LoadCurveRow& r : rows) {
    t.rows.push_back({printf_string("%g", r.scale), printf_string("%.3f", r.offered_requests_per_s),
                      printf_string("%.0f", r.throughput_tokens_per_s), printf_string("%.0f", r.output_tokens_per_s),
                      printf_string("%d of %d", r.completed, r.requests),
                      printf_string("%.3f / %.3f / %.3f", r.ttft_p50_s, r.ttft_p90_s, r.ttft_p99_s),
                      printf_string("%.1f / %.1f / %.1f", r.tpot_p50_s * 1e3, r.tpot_p90_s * 1e3, r.tpot_p99_s * 1e3),
                      printf_string("%.3f", r.e2e_p90_s),
                      r.slo_attainment ? printf_string("%.1f %%", *r.slo_attainment * 100) : "-",
                      r.goodput_requests_per_s ? printf_string("%.3f", *r.goodput_requests_per_s) : "-"});
  }
  return t;
}

}  // namespace lcperf::runs
