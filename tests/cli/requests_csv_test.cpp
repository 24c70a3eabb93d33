// requests.csv of a serving run: one row per request, and its latency columns give the
// percentiles result.json states (recomputed here by linear interpolation between
// closest ranks, numpy's default, independently of schedulers/serving/metrics.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

double interpolated(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const double rank = p / 100.0 * static_cast<double>(values.size() - 1);
  const auto low = static_cast<std::size_t>(std::floor(rank));
  const std::size_t high = std::min(low + 1, values.size() - 1);
  return values[low] + (rank - static_cast<double>(low)) * (values[high] - values[low]);
}

TEST(RequestsCsv, OneRowPerRequestAndItsPercentilesAreResultJsons) {
  const ScratchDir dir;
  const std::string scenario = LCPERF_SOURCE_DIR "/scenarios/serving/qwen2.5-7b-h200-azure-conv.json";
  const Invocation run =
      run_lcperf({"replay", scenario, "--set", "workload.max_requests=80", "--out", (dir / "out").string(), "--quiet"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json result = nlohmann::json::parse(read_file(dir / "out" / "result.json"));
  const auto rows = csv_rows(read_file(dir / "out" / "requests.csv"));
  ASSERT_GE(rows.size(), 2u);
  const std::vector<std::string>& header = rows.front();
  EXPECT_EQ(static_cast<int>(rows.size()) - 1, result.at("requests").get<int>());  // tokens in = rows out
  auto column = [&](const std::string& name) {
    const auto at = std::find(header.begin(), header.end(), name);
    EXPECT_NE(at, header.end()) << name;
    std::vector<double> values;
    for (std::size_t r = 1; r < rows.size(); ++r) {
      const std::string& cell = rows[r].at(static_cast<std::size_t>(at - header.begin()));
      if (!cell.empty()) values.push_back(std::stod(cell));
    }
    return values;
  };
  EXPECT_EQ(static_cast<int>(column("e2e_s").size()), result.at("completed").get<int>());
  for (const char* metric : {"ttft_s", "tpot_s", "e2e_s"}) {
    const std::vector<double> values = column(metric);
    ASSERT_FALSE(values.empty()) << metric;
    for (const auto& [name, p] : {std::pair{"p50", 50.0}, std::pair{"p90", 90.0}, std::pair{"p99", 99.0}}) {
      EXPECT_NEAR(interpolated(values, p), result.at(metric).at(name).get<double>(), 1e-12) << metric << " " << name;
    }
  }
  // Output tokens in the table add up to what was requested of the completed requests.
  double output = 0;
  for (double v : column("output_tokens")) output += v;
  EXPECT_GT(output, 0);
  // p95 too, as for the other percentiles.
  for (const char* metric : {"ttft_s", "tpot_s", "e2e_s", "queueing_s"}) {
    EXPECT_NEAR(interpolated(column(metric), 95), result.at(metric).at("p95").get<double>(), 1e-12) << metric;
  }
}

// Round-robin routing deals requests to the instances in arrival order (ties by id):
// the k-th arrival goes to instance k mod 2, which the table's instance columns show
// (not disaggregated: the prefill instance is the same one). The columns are appended
// after the original ones, in the contract's order.
TEST(RequestsCsv, InstanceColumnsFollowRoundRobinRouting) {
  const ScratchDir dir;
  const std::string scenario = LCPERF_SOURCE_DIR "/scenarios/serving/qwen2.5-7b-h200-azure-conv.json";
  const Invocation run = run_lcperf({"replay", scenario, "--set", "workload.max_requests=30", "--set",
                                     "serving.routing=round_robin", "--out", (dir / "out").string(), "--quiet"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto rows = csv_rows(read_file(dir / "out" / "requests.csv"));
  ASSERT_EQ(rows.size(), 31u);
  EXPECT_EQ(rows.front(), (std::vector<std::string>{"id", "arrival_s", "first_scheduled_s", "first_token_s", "finish_s",
                                                    "prompt_tokens", "output_tokens", "cached_tokens", "preemptions",
                                                    "rejected", "queueing_s", "ttft_s", "tpot_s", "e2e_s", "instance",
                                                    "prefill_instance"}));
  struct Row {
    double arrival = 0;
    long long id = 0;
    int instance = 0;
    int prefill_instance = 0;
  };
  std::vector<Row> arrivals;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    arrivals.push_back({std::stod(rows[r].at(1)), std::stoll(rows[r].at(0)), std::stoi(rows[r].at(14)),
                        std::stoi(rows[r].at(15))});
  }
  std::sort(arrivals.begin(), arrivals.end(),
            [](const Row& a, const Row& b) { return a.arrival != b.arrival ? a.arrival < b.arrival : a.id < b.id; });
  for (std::size_t k = 0; k < arrivals.size(); ++k) {
    EXPECT_EQ(arrivals[k].instance, static_cast<int>(k % 2)) << "request " << arrivals[k].id;
    EXPECT_EQ(arrivals[k].prefill_instance, arrivals[k].instance) << "request " << arrivals[k].id;
  }
}

}  // namespace
}  // namespace lcperf::cli::testing
