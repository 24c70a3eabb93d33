// SLO goodput (--slo, serving.slo) and `lcperf load-curve` through the real binary, on a
// short Azure trace. Every figure is checked against the run's own per-request table
// (requests.csv) or result.json, recomputed here independently of the code under test,
// plus two physical laws of a load curve: requests are conserved (completed + rejected
// = offered, the same at every load) and the served throughput never exceeds what was
// offered.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

const std::string kScenario = LCPERF_SOURCE_DIR "/scenarios/serving/qwen2.5-7b-h200-azure-conv.json";

// A CSV as maps from column name to cell, one per row.
std::vector<std::map<std::string, std::string>> csv_table(const std::string& text) {
  std::vector<std::map<std::string, std::string>> rows;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) header.push_back(cell);
  }
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::map<std::string, std::string> row;
    std::size_t start = 0;
    for (const std::string& name : header) {
      const std::size_t comma = std::min(line.find(',', start), line.size());
      row[name] = line.substr(start, comma - start);
      start = comma + 1;
    }
    rows.push_back(row);
  }
  return rows;
}

std::optional<double> cell(const std::map<std::string, std::string>& row, const std::string& name) {
  const auto it = row.find(name);
  if (it == row.end() || it->second.empty()) return std::nullopt;
  return std::strtod(it->second.c_str(), nullptr);
}

struct Recount {
  int requests = 0;
  int met = 0;
  double met_output_tokens = 0;
};

// Requests of requests.csv within the bounds (absent bound = no bound): completed ones
// whose TTFT, E2E and (outputs over one token) TPOT columns are within.
Recount recount(const std::string& requests_csv, std::optional<double> ttft, std::optional<double> tpot,
                std::optional<double> e2e) {
  Recount r;
  for (const auto& row : csv_table(requests_csv)) {
    ++r.requests;
    if (!cell(row, "e2e_s")) continue;  // rejected or never finished
    if (ttft && *cell(row, "ttft_s") > *ttft) continue;
    if (e2e && *cell(row, "e2e_s") > *e2e) continue;
    if (tpot && cell(row, "tpot_s") && *cell(row, "tpot_s") > *tpot) continue;
    ++r.met;
    r.met_output_tokens += *cell(row, "output_tokens");
  }
  return r;
}

std::optional<double> bound(const nlohmann::json& slo, const char* key) {
  return slo.at(key).is_null() ? std::nullopt : std::optional<double>(slo.at(key).get<double>());
}

void expect_slo_matches_requests(const fs::path& run) {
  const nlohmann::json result = nlohmann::json::parse(read_file(run / "result.json"));
  ASSERT_TRUE(result.contains("slo")) << run;
  const nlohmann::json& slo = result.at("slo");
  const Recount expected =
      recount(read_file(run / "requests.csv"), bound(slo, "ttft_s"), bound(slo, "tpot_s"), bound(slo, "e2e_s"));
  const double duration = result.at("duration_s").get<double>();
  EXPECT_EQ(slo.at("requests").get<int>(), expected.requests) << run;
  EXPECT_EQ(slo.at("met").get<int>(), expected.met) << run;
  EXPECT_DOUBLE_EQ(slo.at("attainment").get<double>(), static_cast<double>(expected.met) / expected.requests) << run;
  EXPECT_NEAR(slo.at("goodput_requests_per_s").get<double>(), expected.met / duration, 1e-12 * (1 + expected.met / duration));
  EXPECT_NEAR(slo.at("goodput_tokens_per_s").get<double>(), expected.met_output_tokens / duration,
              1e-9 * (1 + expected.met_output_tokens / duration));
}

TEST(SloCli, FlagReplacesTheScenariosSloAndAttainmentIsTheRequestsWithinIt) {
  const ScratchDir dir;
  // The scenario's own SLO (serving.slo: ttft 0.5 s, tpot 50 ms, e2e 60 s).
  const Invocation own =
      run_lcperf({"replay", kScenario, "--set", "workload.max_requests=60", "--out", (dir / "own").string(), "--quiet"});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  const nlohmann::json own_result = nlohmann::json::parse(read_file(dir / "own" / "result.json"));
  EXPECT_EQ(own_result.at("slo").at("e2e_s").get<double>(), 60.0);
  expect_slo_matches_requests(dir / "own");
  // A TTFT bound at this run's median: about half the requests meet it, so the count
  // tells a working filter from one that passes or drops everything.
  const double median = own_result.at("ttft_s").at("p50").get<double>();
  const Invocation flag = run_lcperf({"replay", kScenario, "--set", "workload.max_requests=60", "--slo",
                                      "ttft=" + nlohmann::json(median).dump(), "--out", (dir / "flag").string(), "--quiet"});
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  const nlohmann::json slo = nlohmann::json::parse(read_file(dir / "flag" / "result.json")).at("slo");
  EXPECT_TRUE(slo.at("tpot_s").is_null());  // the flag replaces the scenario's SLO whole
  EXPECT_TRUE(slo.at("e2e_s").is_null());
  expect_slo_matches_requests(dir / "flag");
  EXPECT_GT(slo.at("met").get<int>(), 0);
  EXPECT_LT(slo.at("met").get<int>(), own_result.at("completed").get<int>());
}

TEST(SloCli, BadSloTextIsBadInputNamingThePart) {
  const ScratchDir dir;
  const Invocation bad = run_lcperf({"replay", kScenario, "--slo", "ttft=0.5,tbt=1", "--out", (dir / "o").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--slo"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("\"tbt=1\""), std::string::npos) << bad.err;
  const Invocation training = run_lcperf({"simulate", smoke_scenario(), "--slo", "ttft=1", "--out", (dir / "t").string()});
  EXPECT_EQ(training.exit_code, 2);
  EXPECT_NE(training.err.find("--slo"), std::string::npos) << training.err;
  EXPECT_FALSE(fs::exists(dir / "o"));
}

TEST(LoadCurve, OneRowPerScaleEqualToItsRunAndConservingRequests) {
  const ScratchDir dir;
  const fs::path out = dir / "curve";
  const std::vector<double> scales = {2, 1, 0.25};
  const Invocation run =
      run_lcperf({"load-curve", kScenario, "--scales", "2,1,0.25", "--set", "workload.max_requests=40", "--slo",
                  "ttft=0.5,tpot=0.05", "--jobs", "2", "--out", out.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("offered (req/s)"), std::string::npos) << run.out;  // the table, units in its header

  const auto rows = csv_table(read_file(out / "load_curve.csv"));
  ASSERT_EQ(rows.size(), scales.size());
  const nlohmann::json curve = nlohmann::json::parse(read_file(out / "load_curve.json"));
  ASSERT_EQ(curve.at("points").size(), scales.size());

  // The trace's own rate, from the scale-1 run's arrivals: requests over the arrival span.
  const auto arrivals = [&](const std::string& folder) {
    std::vector<double> a;
    for (const auto& row : csv_table(read_file(out / folder / "requests.csv"))) a.push_back(*cell(row, "arrival_s"));
    return a;
  };
  const std::vector<double> base = arrivals("scale-1");
  ASSERT_EQ(base.size(), 40u);
  const double base_span = *std::max_element(base.begin(), base.end()) - *std::min_element(base.begin(), base.end());
  const double base_rate = static_cast<double>(base.size()) / base_span;

  for (std::size_t i = 0; i < scales.size(); ++i) {
    const auto& row = rows[i];
    const std::string folder = i == 0 ? "scale-2" : i == 1 ? "scale-1" : "scale-0.25";
    SCOPED_TRACE(folder);
    EXPECT_EQ(*cell(row, "scale"), scales[i]);
    // Offered rate = the trace's rate / scale, and the run really had its arrivals scaled.
    EXPECT_NEAR(*cell(row, "offered_requests_per_s"), base_rate / scales[i], 1e-12 * base_rate / scales[i]);
    const std::vector<double> a = arrivals(folder);
    EXPECT_NEAR(*std::max_element(a.begin(), a.end()) - *std::min_element(a.begin(), a.end()), base_span * scales[i],
                1e-9 * base_span * scales[i]);

    // Each row is its run's result.json.
    const nlohmann::json result = nlohmann::json::parse(read_file(out / folder / "result.json"));
    EXPECT_EQ(*cell(row, "completed"), result.at("completed").get<double>());
    EXPECT_EQ(*cell(row, "throughput_tokens_per_s"), result.at("throughput_tokens_per_s").get<double>());
    EXPECT_EQ(*cell(row, "output_tokens_per_s"), result.at("output_tokens_per_s").get<double>());
    for (const char* metric : {"ttft", "tpot"}) {
      for (const char* p : {"p50", "p90", "p99"}) {
        EXPECT_EQ(*cell(row, std::string(metric) + "_" + p + "_s"), result.at(std::string(metric) + "_s").at(p).get<double>())
            << metric << " " << p;
      }
    }
    EXPECT_EQ(*cell(row, "e2e_p90_s"), result.at("e2e_s").at("p90").get<double>());
    EXPECT_EQ(*cell(row, "slo_attainment"), result.at("slo").at("attainment").get<double>());
    EXPECT_EQ(*cell(row, "goodput_requests_per_s"), result.at("slo").at("goodput_requests_per_s").get<double>());
    expect_slo_matches_requests(out / folder);

    // Conservation: every offered request completed or was rejected, at every load.
    EXPECT_EQ(*cell(row, "requests"), 40);
    EXPECT_EQ(*cell(row, "completed") + *cell(row, "rejected"), 40);
    // No engine serves more than it is offered (tokens per second, prompt + output).
    EXPECT_LE(*cell(row, "throughput_tokens_per_s"), *cell(row, "offered_tokens_per_s") * (1 + 1e-12));
  }

  // The report draws the curve from the folder.
  const Invocation report = run_lcperf({"report", out.string(), "--quiet"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string html = read_file(out / "plots.html");
  EXPECT_NE(html.find("Throughput vs offered load"), std::string::npos);
  EXPECT_NE(html.find("TTFT vs offered load"), std::string::npos);
}

TEST(LoadCurve, RefusesAFixedWorkloadAndRepeatedScales) {
  const ScratchDir dir;
  const Invocation fixed = run_lcperf({"load-curve", LCPERF_SOURCE_DIR "/scenarios/serving/llama3-70b-h100-tp8-fixed.json",
                                       "--scales", "1,0.5", "--out", (dir / "f").string()});
  EXPECT_EQ(fixed.exit_code, 2);
  EXPECT_NE(fixed.err.find("$.workload.kind"), std::string::npos) << fixed.err;
  const Invocation twice = run_lcperf({"load-curve", kScenario, "--scales", "1,1.0", "--out", (dir / "t").string()});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("--scales"), std::string::npos) << twice.err;
  EXPECT_FALSE(fs::exists(dir / "f"));
}

}  // namespace
}  // namespace lcperf::cli::testing
