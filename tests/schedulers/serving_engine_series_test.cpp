// What the serving engine records for the run's over-time and per-token outputs, on the
// fake runtime (every op, so every step, takes op_time_s): inter-token latencies
// (EngineRecords::itl_s), the per-step samples behind timeseries.csv (running batch,
// waiting queue, KV blocks), the count of ended requests and the instance of each request.
#include "schedulers/serving/engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>

#include "fake_runtime.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::serving {
namespace {

// tiny_model: 4 layers x 512 bytes per token per layer; 16-token blocks.
constexpr std::int64_t kBlockTokens = 16;
constexpr std::int64_t kBlockBytes = kBlockTokens * 512 * 4;
constexpr std::int64_t kBudgetBlocks = 4096;

EnginePlan base_plan() {
  EnginePlan p;
  p.model = test::tiny_model(false);
  p.config.block_size_tokens = kBlockTokens;
  p.config.kv_budget_bytes = kBudgetBlocks * kBlockBytes;
  p.config.watermark = 0;
  p.config.max_num_batched_tokens = 2048;
  p.config.prefill_chunk_tokens = 2048;
  return p;
}

EngineRecords run_engine(const EnginePlan& plan, double op_time_s) {
  test::FakeWorld world(1, op_time_s);
  auto records = std::make_shared<EngineRecords>();
  const std::vector<std::string> errors = world.run({make_engine_program(plan, records)});
  EXPECT_TRUE(errors.empty()) << errors.front();
  return *records;
}

std::int64_t blocks_for(std::int64_t tokens) { return (tokens + kBlockTokens - 1) / kBlockTokens; }

TEST(ServingEngineSeries, OneRequestAloneHasOutputMinusOneGapsOfOneDecodeStep) {
  EnginePlan plan = base_plan();
  constexpr std::int64_t kOutput = 6;
  plan.requests = {{0, 0.0, 300, kOutput}};
  const EngineRecords r = run_engine(plan, 0.25);
  // One prefill step samples the first token (its latency is TTFT, not an ITL); each of
  // the other five tokens comes from a decode step of its own.
  ASSERT_EQ(r.steps.size(), static_cast<std::size_t>(kOutput));
  ASSERT_EQ(r.itl_s.size(), static_cast<std::size_t>(kOutput - 1));
  for (std::size_t k = 0; k < r.itl_s.size(); ++k) {
    const StepRecord& decode = r.steps[k + 1];
    EXPECT_EQ(decode.decodes, 1);
    EXPECT_DOUBLE_EQ(r.itl_s[k], decode.end_s - decode.start_s) << k;
    EXPECT_DOUBLE_EQ(r.itl_s[k], 0.25) << k;
  }
  EXPECT_DOUBLE_EQ(r.requests[0].first_token_s, 0.25);
  EXPECT_EQ(r.requests_ended, 1);
}

// A hand trace: r0 and r1 arrive together (one seat: r1 waits for r0 to end), r2 alone
// after an idle gap. Each step takes 1 s.
TEST(ServingEngineSeries, SamplesFollowTheHandTraceStepByStep) {
  EnginePlan plan = base_plan();
  plan.config.max_num_seqs = 1;
  plan.requests = {{0, 0.0, 100, 2}, {1, 0.0, 40, 3}, {2, 20.0, 20, 1}};
  const EngineRecords r = run_engine(plan, 1.0);
  struct Expected {
    double time_s;
    int running;
    int waiting;
    std::int64_t kv_used;
  };
  // step 0 [0,1]: r0's prefill (r1 waiting), 7 blocks; step 1 [1,2]: r0's decode, its
  // last token: its blocks go; step 2 [2,3]: r1's prefill, 3 blocks; steps 3-4: r1's
  // decodes (its 41st token still fits its third block), then freed; step 5 [20,21]:
  // r2's prefill samples its only token and frees its 2 blocks at once.
  const std::vector<Expected> expected = {
      {1, 1, 1, blocks_for(100)}, {2, 1, 1, 0}, {3, 1, 0, blocks_for(40)},
      {4, 1, 0, blocks_for(42)},  {5, 1, 0, 0}, {21, 1, 0, 0},
  };
  ASSERT_EQ(r.samples.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_DOUBLE_EQ(r.samples[i].time_s, expected[i].time_s) << i;
    EXPECT_EQ(r.samples[i].running, expected[i].running) << i;
    EXPECT_EQ(r.samples[i].waiting, expected[i].waiting) << i;
    EXPECT_EQ(r.samples[i].kv_used_blocks, expected[i].kv_used) << i;
  }
  EXPECT_EQ(r.kv_total_blocks, kBudgetBlocks);
  EXPECT_EQ(r.requests_ended, 3);
  // Gaps: r0's one (1 s), r1's two (1 s each); r2 has a single token.
  EXPECT_EQ(r.itl_s, (std::vector<double>{1, 1, 1}));
}

TEST(ServingEngineSeries, RunningIsTheBatchAndKvReturnsToZero) {
  EnginePlan plan = base_plan();
  plan.requests = {{0, 0.0, 100, 3}, {1, 0.0, 100, 2}, {2, 10.0, 50, 2}};
  const EngineRecords r = run_engine(plan, 1.0);
  // r0 and r1 prefill together, decode together until r1 ends, r0 decodes alone; r2
  // comes after the idle gap.
  std::vector<int> running;
  std::vector<double> times;
  for (const EngineSample& s : r.samples) {
    running.push_back(s.running);
    times.push_back(s.time_s);
  }
  EXPECT_EQ(running, (std::vector<int>{2, 2, 1, 1, 1}));
  EXPECT_EQ(times, (std::vector<double>{1, 2, 3, 11, 12}));
  EXPECT_EQ(r.samples[0].kv_used_blocks, 2 * blocks_for(100));
  EXPECT_EQ(r.samples[1].kv_used_blocks, blocks_for(101));  // r1 ended; r0 holds 101 tokens' KV
  EXPECT_EQ(r.samples.back().kv_used_blocks, 0);
  ASSERT_EQ(r.samples.size(), r.steps.size());
  for (std::size_t i = 0; i < r.samples.size(); ++i) {
    EXPECT_EQ(r.samples[i].running, r.steps[i].decodes + r.steps[i].prefill_chunks) << i;
  }
}

// Under preemption (both modes) the gaps are exactly the differences of consecutive
// token times, request by request, and add up to each request's finish - first token.
TEST(ServingEngineSeries, GapsAreTheTokenTimesDifferencesUnderPreemption) {
  for (const PreemptionMode mode : {PreemptionMode::recompute, PreemptionMode::swap}) {
    EnginePlan plan = base_plan();
    plan.config.kv_budget_bytes = 60 * kBlockBytes;
    plan.config.host_kv_budget_bytes = 400 * kBlockBytes;
    plan.config.preemption = mode;
    plan.config.prefill_chunk_tokens = 256;
    for (int i = 0; i < 12; ++i) plan.requests.push_back({i, 0.3 * i, 100 + 37 * i, 20 + 7 * (i % 5)});
    const EngineRecords r = run_engine(plan, 0.5);
    std::int64_t preemptions = 0;
    std::vector<double> expected;
    double span = 0;
    for (std::size_t i = 0; i < r.requests.size(); ++i) {
      const std::vector<double>& t = r.token_times_s[i];
      ASSERT_EQ(static_cast<std::int64_t>(t.size()), plan.requests[i].output_tokens);
      for (std::size_t k = 1; k < t.size(); ++k) expected.push_back(t[k] - t[k - 1]);
      span += r.requests[i].finish_s - r.requests[i].first_token_s;
      preemptions += r.requests[i].preemptions;
    }
    EXPECT_GT(preemptions, 0) << "the budget should force preemptions";
    std::vector<double> got = r.itl_s;
    std::sort(got.begin(), got.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(got, expected);
    EXPECT_NEAR(std::accumulate(r.itl_s.begin(), r.itl_s.end(), 0.0), span, 1e-9);
    EXPECT_EQ(r.samples.back().kv_used_blocks, 0);
  }
}

TEST(ServingEngineSeries, WarmupRequestsLeaveNoGapsAndRequestsKnowTheirInstance) {
  EnginePlan plan = base_plan();
  plan.instance = 3;
  plan.config.first_measured_id = 2;
  plan.requests = {{0, 0.0, 100, 4}, {1, 0.0, 100, 5}, {2, 0.0, 100, 6}, {3, 0.0, 100, 7}};
  const EngineRecords r = run_engine(plan, 1.0);
  EXPECT_EQ(r.itl_s.size(), static_cast<std::size_t>((6 - 1) + (7 - 1)));  // r2 and r3 only
  for (const RequestMetrics& m : r.requests) {
    EXPECT_EQ(m.instance, 3);
    EXPECT_EQ(m.prefill_instance, 3);
  }
}

}  // namespace
}  // namespace lcperf::schedulers::serving
