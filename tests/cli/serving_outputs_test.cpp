// The serving outputs beyond the per-request table, through the real binary: result.json's
// inter-token latency distribution (itl_s) against requests.csv's own times, the
// per-instance time series (timeseries.csv), the progress line, and the instance
// columns of a disaggregated run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

const std::string kScenario = LCPERF_SOURCE_DIR "/scenarios/serving/qwen2.5-7b-h200-azure-conv.json";
const std::string kDisagg = LCPERF_SOURCE_DIR "/scenarios/serving/llama3-70b-h100-disagg-mooncake.json";

// A CSV as a header and rows of named cells.
struct Table {
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
};

Table read_table(const fs::path& path) {
  const std::vector<std::vector<std::string>> lines = csv_rows(read_file(path));
  Table t;
  if (lines.empty()) return t;
  t.header = lines.front();
  for (std::size_t l = 1; l < lines.size(); ++l) {
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < t.header.size() && i < lines[l].size(); ++i) row[t.header[i]] = lines[l][i];
    t.rows.push_back(row);
  }
  return t;
}

Invocation replay(const fs::path& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"replay", kScenario, "--set", "workload.max_requests=40", "--out", out.string(),
                                   "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_lcperf(args);
}

// Every completed request with output n contributes its n - 1 gaps, which add up to
// finish - first token: so itl_s's count and mean follow from requests.csv alone, and
// its extremes bracket every request's TPOT (a request's mean gap).
TEST(ServingOutputs, InterTokenLatenciesAddUpToTheRequestsDecodeTimes) {
  const ScratchDir dir;
  const Invocation run = replay(dir / "out");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json itl = nlohmann::json::parse(read_file(dir / "out" / "result.json")).at("itl_s");
  const Table requests = read_table(dir / "out" / "requests.csv");
  long long gaps = 0;
  double decode_time = 0;
  double max_tpot = 0;
  for (const auto& r : requests.rows) {
    if (r.at("finish_s").empty()) continue;
    gaps += std::stoll(r.at("output_tokens")) - 1;
    decode_time += std::stod(r.at("finish_s")) - std::stod(r.at("first_token_s"));
    if (r.at("tpot_s").empty()) continue;
    max_tpot = std::max(max_tpot, std::stod(r.at("tpot_s")));
  }
  ASSERT_GT(gaps, 0);
  EXPECT_EQ(itl.at("count").get<long long>(), gaps);
  EXPECT_NEAR(itl.at("mean").get<double>() * static_cast<double>(gaps), decode_time, 1e-9 * decode_time);
  EXPECT_GE(itl.at("max").get<double>(), max_tpot);
  EXPECT_LE(itl.at("p50").get<double>(), itl.at("p90").get<double>());
  EXPECT_LE(itl.at("p90").get<double>(), itl.at("p95").get<double>());
  EXPECT_LE(itl.at("p95").get<double>(), itl.at("p99").get<double>());
  EXPECT_LE(itl.at("p99").get<double>(), itl.at("max").get<double>());
  // The histogram: 10 log-spaced bins per decade from 1e-5 s, the last one holding the
  // largest gap, counts adding up to the gaps.
  const std::vector<double> edges = itl.at("histogram").at("upper_edges_s").get<std::vector<double>>();
  const std::vector<long long> counts = itl.at("histogram").at("counts").get<std::vector<long long>>();
  ASSERT_EQ(edges.size(), counts.size());
  ASSERT_GE(edges.size(), 2u);
  EXPECT_NEAR(edges.front(), 1e-5, 1e-18);
  for (std::size_t k = 1; k < edges.size(); ++k) EXPECT_NEAR(edges[k] / edges[k - 1], std::pow(10.0, 0.1), 1e-12) << k;
  EXPECT_GE(edges.back(), itl.at("max").get<double>());
  EXPECT_LT(edges[edges.size() - 2], itl.at("max").get<double>());
  long long total = 0;
  for (long long c : counts) total += c;
  EXPECT_EQ(total, gaps);
  EXPECT_GT(counts.back(), 0);
}

// Each instance's series: in time order, KV within the pool and back to zero once its
// last request ended (no prefix cache), a running batch never above max_num_seqs; both
// instances appear.
TEST(ServingOutputs, TimeseriesHasEveryInstanceAndKvReturnsToZero) {
  const ScratchDir dir;
  const Invocation run = replay(dir / "out");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Table series = read_table(dir / "out" / "timeseries.csv");
  EXPECT_EQ(series.header,
            (std::vector<std::string>{"time_s", "instance", "running", "waiting", "kv_used_blocks", "kv_total_blocks"}));
  std::map<int, std::vector<std::map<std::string, std::string>>> by_instance;
  double previous = -1;
  for (const auto& r : series.rows) {
    const double t = std::stod(r.at("time_s"));
    EXPECT_GE(t, previous);
    previous = t;
    by_instance[std::stoi(r.at("instance"))].push_back(r);
  }
  ASSERT_EQ(by_instance.size(), 2u);
  for (const auto& [instance, rows] : by_instance) {
    EXPECT_LE(rows.size(), 2000u) << instance;
    const long long total = std::stoll(rows.front().at("kv_total_blocks"));
    EXPECT_GT(total, 0);
    for (const auto& r : rows) {
      EXPECT_EQ(std::stoll(r.at("kv_total_blocks")), total);
      EXPECT_LE(std::stoll(r.at("kv_used_blocks")), total);
      EXPECT_GE(std::stoi(r.at("running")), 0);
      EXPECT_LE(std::stoi(r.at("running")), 256);
      EXPECT_GE(std::stoi(r.at("waiting")), 0);
    }
    EXPECT_EQ(rows.back().at("kv_used_blocks"), "0") << instance;
  }
}

// The progress line is on stderr only when asked for (not a terminal here): plain lines,
// the last one with every request done; the outputs are the same as without it.
TEST(ServingOutputs, ProgressLineChangesNothingButStderr) {
  const ScratchDir dir;
  const Invocation quiet = replay(dir / "plain");
  const Invocation off = replay(dir / "off", {"--no-progress"});
  const Invocation shown = replay(dir / "shown", {"--progress"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  ASSERT_EQ(off.exit_code, 0) << off.err;
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(quiet.err, "");  // nothing in a log by default
  EXPECT_EQ(off.err, "");
  EXPECT_NE(shown.err.find("replay: simulated "), std::string::npos) << shown.err;
  EXPECT_NE(shown.err.find("requests 40/40 done"), std::string::npos) << shown.err;
  EXPECT_EQ(shown.err.find('\r'), std::string::npos);  // plain lines off a terminal
  nlohmann::json a = nlohmann::json::parse(read_file(dir / "plain" / "result.json"));
  nlohmann::json b = nlohmann::json::parse(read_file(dir / "shown" / "result.json"));
  a.erase("wall_time_s");
  b.erase("wall_time_s");
  EXPECT_EQ(a, b);
  for (const char* file : {"requests.csv", "timeseries.csv", "memory.csv"}) {
    EXPECT_EQ(read_file(dir / "plain" / file), read_file(dir / "shown" / file)) << file;
  }
  const Invocation both = replay(dir / "both", {"--progress", "--no-progress"});
  EXPECT_NE(both.exit_code, 0);
}

// Disaggregated (1 prefill instance, numbered 0, then 1 decode instance, numbered 1):
// a request with more than one output token was prefilled on 0 and decoded on 1; a
// one-token request never left the prefill instance. Both pools are in the series.
TEST(ServingOutputs, DisaggregatedRequestsNameBothPools) {
  const ScratchDir dir;
  const Invocation run = run_lcperf({"simulate", kDisagg, "--set", "workload.max_requests=20", "--out",
                                     (dir / "out").string(), "--quiet"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Table requests = read_table(dir / "out" / "requests.csv");
  ASSERT_EQ(requests.rows.size(), 20u);
  long long gaps = 0;
  for (const auto& r : requests.rows) {
    const long long output = std::stoll(r.at("output_tokens"));
    gaps += output - 1;
    EXPECT_EQ(r.at("prefill_instance"), "0") << r.at("id");
    EXPECT_EQ(r.at("instance"), output > 1 ? "1" : "0") << r.at("id");
  }
  std::set<std::string> instances;
  for (const auto& r : read_table(dir / "out" / "timeseries.csv").rows) instances.insert(r.at("instance"));
  EXPECT_EQ(instances, (std::set<std::string>{"0", "1"}));
  const nlohmann::json result = nlohmann::json::parse(read_file(dir / "out" / "result.json"));
  ASSERT_EQ(result.at("completed"), 20);
  EXPECT_EQ(result.at("itl_s").at("count").get<long long>(), gaps);
}

}  // namespace
}  // namespace lcperf::cli::testing
