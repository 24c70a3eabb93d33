// Serving metrics on hand-computed data.
#include "schedulers/serving/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

namespace lcperf::schedulers::serving {
namespace {

TEST(ServingMetrics, PercentilesInterpolateBetweenClosestRanks) {
  const std::vector<double> v = {4, 1, 3, 2};  // sorted: 1 2 3 4
  EXPECT_DOUBLE_EQ(percentile(v, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile(v, 90), 3.7);   // rank 2.7
  EXPECT_DOUBLE_EQ(percentile(v, 95), 3.85);  // rank 2.85
  EXPECT_DOUBLE_EQ(percentile(v, 99), 3.97);  // rank 2.97
  EXPECT_DOUBLE_EQ(percentile(v, 0), 1);
  EXPECT_DOUBLE_EQ(percentile(v, 100), 4);
  const Percentiles p = percentiles(v);
  EXPECT_DOUBLE_EQ(p.mean, 2.5);
  EXPECT_DOUBLE_EQ(p.p95, 3.85);
  EXPECT_EQ(percentiles({}), Percentiles{});
  EXPECT_DOUBLE_EQ(percentiles({7}).p99, 7);
}

TEST(ServingMetrics, LatencyDistributionHasExactPercentilesAndLogBins) {
  // Bins hold (edge[k-1], edge[k]], edge[k] = 1e-5 x 10^(k/10): 1e-5 s, ~1.26e-5 s, ...
  std::vector<double> v = {2e-6, 1e-5, 1.1e-5, 1e-4, 0.02, 0.0205, 0.5};
  const std::vector<double> original = v;
  const LatencyDistribution d = latency_distribution(v);
  EXPECT_EQ(d.count, 7);
  EXPECT_DOUBLE_EQ(d.max, 0.5);
  for (const double p : {50.0, 90.0, 95.0, 99.0}) {
    const double expected = percentile(original, p);
    const double got = p == 50 ? d.percentiles.p50 : p == 90 ? d.percentiles.p90 : p == 95 ? d.percentiles.p95 : d.percentiles.p99;
    EXPECT_DOUBLE_EQ(got, expected) << p;
  }
  EXPECT_DOUBLE_EQ(d.percentiles.mean, (2e-6 + 1e-5 + 1.1e-5 + 1e-4 + 0.02 + 0.0205 + 0.5) / 7);
  // 0.5 s is 4.7 decades above 1e-5 s: the last bin is the 48th edge (10^-0.3 = 0.501 s).
  ASSERT_EQ(d.upper_edges_s.size(), 48u);
  ASSERT_EQ(d.counts.size(), 48u);
  for (std::size_t k = 0; k < d.upper_edges_s.size(); ++k) {
    EXPECT_NEAR(d.upper_edges_s[k], 1e-5 * std::pow(10.0, static_cast<double>(k) / 10), 1e-12 * d.upper_edges_s[k]) << k;
  }
  std::vector<std::int64_t> expected(48, 0);
  expected[0] = 2;   // 2e-6 and 1e-5 (the first edge itself)
  expected[1] = 1;   // 1.1e-5 in (1e-5, 1.26e-5]
  expected[10] = 1;  // 1e-4 is the 10th edge (up to pow's rounding, see below)
  expected[34] = 2;  // 0.02 and 0.0205 in (0.01995, 0.02512]
  expected[47] = 1;  // 0.5 in (0.398, 0.501]
  // The 10th edge is 1e-4 up to pow's rounding: 1e-4 may land on either side of it.
  if (d.upper_edges_s[10] < 1e-4) {
    expected[10] = 0;
    expected[11] = 1;
  }
  EXPECT_EQ(d.counts, expected);
  EXPECT_EQ(std::accumulate(d.counts.begin(), d.counts.end(), std::int64_t{0}), d.count);
  std::vector<double> none;
  const LatencyDistribution empty = latency_distribution(none);
  EXPECT_EQ(empty.count, 0);
  EXPECT_TRUE(empty.counts.empty());
  EXPECT_TRUE(empty.upper_edges_s.empty());
}

RequestMetrics request(std::int64_t id, double arrival, double scheduled, double first, double finish,
                       std::int64_t prompt, std::int64_t output) {
  RequestMetrics r;
  r.id = id;
  r.arrival_s = arrival;
  r.first_scheduled_s = scheduled;
  r.first_token_s = first;
  r.finish_s = finish;
  r.prompt = prompt;
  r.output = output;
  return r;
}

TEST(ServingMetrics, SummaryOnHandComputedRequests) {
  std::vector<RequestMetrics> rs = {
      request(0, 0, 0, 1, 5, 10, 5),  // ttft 1, tpot 1, e2e 5, queue 0
      request(1, 1, 2, 3, 4, 20, 3),  // ttft 2, tpot 0.5, e2e 3, queue 1
      request(2, 2, 4, 6, 6, 5, 1),   // ttft 4, no tpot, e2e 4, queue 2
  };
  RequestMetrics rejected;
  rejected.id = 3;
  rejected.arrival_s = 3;
  rejected.rejected = true;
  rs.push_back(rejected);
  EngineCounters a;
  a.preemptions = 2;
  a.max_context_tokens = 100;
  a.peak_kv_bytes = 1000;
  EngineCounters b;
  b.preemptions = 1;
  b.max_context_tokens = 300;
  b.peak_kv_bytes = 500;

  const ServingSummary s = summarize(rs, {a, b});
  EXPECT_EQ(s.requests, 4);
  EXPECT_EQ(s.completed, 3);
  EXPECT_EQ(s.rejected, 1);
  EXPECT_DOUBLE_EQ(s.duration_s, 6);
  EXPECT_DOUBLE_EQ(s.throughput_tokens_per_s, 44.0 / 6);
  EXPECT_DOUBLE_EQ(s.output_tokens_per_s, 9.0 / 6);
  EXPECT_DOUBLE_EQ(s.ttft_s.p50, 2);
  EXPECT_DOUBLE_EQ(s.ttft_s.p90, 3.6);
  EXPECT_DOUBLE_EQ(s.ttft_s.p99, 3.96);
  EXPECT_DOUBLE_EQ(s.ttft_s.mean, 7.0 / 3);
  EXPECT_DOUBLE_EQ(s.tpot_s.p50, 0.75);
  EXPECT_DOUBLE_EQ(s.tpot_s.mean, 0.75);
  EXPECT_DOUBLE_EQ(s.e2e_s.p50, 4);
  EXPECT_DOUBLE_EQ(s.e2e_s.mean, 4);
  EXPECT_DOUBLE_EQ(s.queueing_s.p50, 1);
  EXPECT_EQ(s.preemptions, 3);
  EXPECT_EQ(s.max_context_tokens, 300);
  EXPECT_EQ(s.peak_kv_bytes, 1000);
}

TEST(ServingMetrics, NothingCompletedGivesZeros) {
  RequestMetrics r;
  r.rejected = true;
  const ServingSummary s = summarize({r}, {});
  EXPECT_EQ(s.completed, 0);
  EXPECT_DOUBLE_EQ(s.duration_s, 0);
  EXPECT_DOUBLE_EQ(s.throughput_tokens_per_s, 0);
}

}  // namespace
}  // namespace lcperf::schedulers::serving
