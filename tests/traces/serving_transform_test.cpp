// Time scaling, rate scaling and truncation of serving traces.
#include <gtest/gtest.h>

#include <stdexcept>

#include "traces/serving_readers.hpp"
#include "traces/serving_transform.hpp"

namespace lcperf::traces {
namespace {

// Arrivals 0, 1, 3, 6 s with distinct lengths and one hashed request.
ServingTrace four_requests() {
  ServingTrace trace;
  trace.name = "four";
  trace.source = "test";
  trace.format = "mooncake";
  const double arrivals[] = {0.0, 1.0, 3.0, 6.0};
  for (int i = 0; i < 4; ++i) {
    ServingRequest r;
    r.id = i;
    r.arrival_s = arrivals[i];
    r.prompt_tokens = 100 * (i + 1);
    r.output_tokens = 10 * (i + 1);
    trace.requests.push_back(r);
  }
  trace.requests[2].prefix_block_hashes = {7, 8};
  trace.requests[2].block_tokens = 512;
  return trace;
}

TEST(ServingTransform, StatsOfAHandBuiltTrace) {
  const ServingStats stats = serving_stats(four_requests());
  EXPECT_EQ(stats.requests, 4);
  EXPECT_DOUBLE_EQ(stats.span_s, 6.0);
  EXPECT_DOUBLE_EQ(stats.rate_per_s, 0.5);  // 3 gaps over 6 s
  EXPECT_DOUBLE_EQ(stats.mean_prompt_tokens, 250.0);
  EXPECT_DOUBLE_EQ(stats.mean_output_tokens, 25.0);
  EXPECT_EQ(serving_stats(ServingTrace{}).requests, 0);
}

// Found by fuzz/burstgpt_csv: arrivals 0 and 1e-320 s span a subnormal time, and one
// gap over it is an infinite rate. No finite rate exists, as for coincident arrivals.
TEST(ServingTransform, StatsOfASubnormalSpanHaveNoRate) {
  ServingTrace trace = four_requests();
  trace.requests.resize(2);
  trace.requests[1].arrival_s = 1e-320;
  const ServingStats stats = serving_stats(trace);
  EXPECT_EQ(stats.span_s, 1e-320);
  EXPECT_EQ(stats.rate_per_s, 0.0);
  EXPECT_THROW(scale_to_rate(trace, 1.0), std::invalid_argument);
}

TEST(ServingTransform, ScaleTimeMultipliesArrivalsAndKeepsEverythingElse) {
  const ServingTrace scaled = scale_time(four_requests(), 2.5);
  ASSERT_EQ(scaled.requests.size(), 4u);
  EXPECT_DOUBLE_EQ(scaled.requests[1].arrival_s, 2.5);
  EXPECT_DOUBLE_EQ(scaled.requests[2].arrival_s, 7.5);
  EXPECT_DOUBLE_EQ(scaled.requests[3].arrival_s, 15.0);
  EXPECT_EQ(scaled.requests[2].prefix_block_hashes, (std::vector<std::uint64_t>{7, 8}));
  EXPECT_EQ(scaled.requests[3].prompt_tokens, 400);
  EXPECT_EQ(scaled.name, "four");
  EXPECT_EQ(scaled.source, "test | time x2.5");
  EXPECT_THROW(scale_time(four_requests(), 0.0), std::invalid_argument);
  EXPECT_THROW(scale_time(four_requests(), -1.0), std::invalid_argument);
}

TEST(ServingTransform, ScaleToRateHitsTheTargetRate) {
  const ServingTrace faster = scale_to_rate(four_requests(), 2.0);  // 0.5/s -> 2/s: factor 0.25
  EXPECT_DOUBLE_EQ(faster.requests[3].arrival_s, 1.5);
  EXPECT_DOUBLE_EQ(serving_stats(faster).rate_per_s, 2.0);
  EXPECT_EQ(faster.source, "test | rate 2/s");
  ServingTrace one = four_requests();
  one.requests.resize(1);
  EXPECT_THROW(scale_to_rate(one, 1.0), std::invalid_argument);
  EXPECT_THROW(scale_to_rate(four_requests(), 0.0), std::invalid_argument);
}

TEST(ServingTransform, ScaleToRateOnARealTrace) {
  const ServingTrace conv = load_serving_trace("azure-conv-2023");
  const ServingTrace doubled = scale_to_rate(conv, 2.0 * serving_stats(conv).rate_per_s);
  EXPECT_NEAR(serving_stats(doubled).span_s, serving_stats(conv).span_s / 2.0, 1e-9);
  EXPECT_NEAR(serving_stats(doubled).rate_per_s, 2.0 * 19365.0 / 3501.721937, 1e-6);
}

TEST(ServingTransform, TruncateToCount) {
  EXPECT_EQ(truncate_to_count(four_requests(), 2).requests.size(), 2u);
  EXPECT_EQ(truncate_to_count(four_requests(), 2).requests.back().id, 1);
  EXPECT_EQ(truncate_to_count(four_requests(), 10).requests.size(), 4u);
  EXPECT_TRUE(truncate_to_count(four_requests(), 0).requests.empty());
  EXPECT_THROW(truncate_to_count(four_requests(), -1), std::invalid_argument);
}

TEST(ServingTransform, TruncateToWindowIsHalfOpenAndStartsAtZero) {
  const ServingTrace window = truncate_to_window(four_requests(), 1.0, 6.0);
  ASSERT_EQ(window.requests.size(), 2u);  // 1 and 3 s; 6 s is outside [1, 6)
  EXPECT_EQ(window.requests[0].id, 1);
  EXPECT_DOUBLE_EQ(window.requests[0].arrival_s, 0.0);
  EXPECT_DOUBLE_EQ(window.requests[1].arrival_s, 2.0);
  EXPECT_EQ(window.source, "test | window [1, 6) s");
  EXPECT_TRUE(truncate_to_window(four_requests(), 7.0, 9.0).requests.empty());
  EXPECT_THROW(truncate_to_window(four_requests(), 2.0, 1.0), std::invalid_argument);
}

}  // namespace
}  // namespace lcperf::traces
