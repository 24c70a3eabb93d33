// Serving metrics on hand-computed data.
#include "schedulers/serving/metrics.hpp"

#include <gtest/gtest.h>

namespace lcperf::schedulers::serving {
namespace {

TEST(ServingMetrics, PercentilesInterpolateBetweenClosestRanks) {
  const std::vector<double> v = {4, 1, 3, 2};  // sorted: 1 2 3 4
  EXPECT_DOUBLE_EQ(percentile(v, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile(v, 90), 3.7);   // rank 2.7
  EXPECT_DOUBLE_EQ(percentile(v, 99), 3.97);  // rank 2.97
  EXPECT_DOUBLE_EQ(percentile(v, 0), 1);
  EXPECT_DOUBLE_EQ(percentile(v, 100), 4);
  const Percentiles p = percentiles(v);
  EXPECT_DOUBLE_EQ(p.mean, 2.5);
  EXPECT_EQ(percentiles({}), Percentiles{});
  EXPECT_DOUBLE_EQ(percentiles({7}).p99, 7);
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
