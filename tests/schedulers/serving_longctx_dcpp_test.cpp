// Dynamic chunked pipeline parallelism (schedulers/serving/dcpp.hpp): the pipeline model
// by hand and in closed form, and balanced chunks against fixed ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "schedulers/serving/dcpp.hpp"

namespace lcperf::schedulers::serving {
namespace {

TEST(Dcpp, HandComputedTwoStagePipeline) {
  // Stage times 2 and 1: F(0,0)=2, F(0,1)=4, F(1,0)=3, F(1,1)=max(4,3)+1=5.
  const PipelineTiming t = chunked_pipeline({4.0, 2.0}, 2);
  EXPECT_DOUBLE_EQ(t.makespan_s, 5.0);
  EXPECT_DOUBLE_EQ(t.busy_s, 3.0);
  EXPECT_DOUBLE_EQ(t.bubble, 0.4);
}

TEST(Dcpp, EqualChunksGiveTheClassicBubble) {
  for (int p : {1, 2, 4, 8}) {
    for (int n : {1, 3, 16}) {
      const PipelineTiming t = chunked_pipeline(std::vector<double>(static_cast<std::size_t>(n), 2.0), p);
      EXPECT_NEAR(t.bubble, (p - 1.0) / (n + p - 1.0), 1e-12) << p << " " << n;
      EXPECT_NEAR(t.makespan_s, (n + p - 1.0) * 2.0 / p, 1e-12);
    }
  }
}

TEST(Dcpp, MakespanIsSumPlusStagesTimesLongest) {
  // Same time on every stage: makespan = (sum + (p - 1) max) / p, for any order.
  const std::vector<double> times = {1.0, 3.0, 2.0, 5.0, 4.0};
  const PipelineTiming t = chunked_pipeline(times, 3);
  EXPECT_NEAR(t.makespan_s, (15.0 + 2 * 5.0) / 3, 1e-12);
}

TEST(Dcpp, FixedChunksCoverThePrompt) {
  EXPECT_EQ(fixed_chunks(10, 4), (std::vector<std::int64_t>{4, 4, 2}));
  EXPECT_EQ(fixed_chunks(8, 4), (std::vector<std::int64_t>{4, 4}));
}

TEST(Dcpp, BalancedChunksShrinkAndBeatFixedOnLongPrompts) {
  // Attention-heavy cost: 1 per token + 1e-4 per causal pair.
  const LinearAttentionCost cost{1e-6, 1e-10};
  const ChunkTime time = [&](std::int64_t s, std::int64_t c) { return cost(s, c); };
  const std::int64_t prompt = 1 << 20;
  const std::vector<std::int64_t> fixed = fixed_chunks(prompt, 32768);
  const std::vector<std::int64_t> balanced = balanced_chunks(prompt, static_cast<int>(fixed.size()), time);
  EXPECT_LE(balanced.size(), fixed.size());
  EXPECT_EQ(std::accumulate(balanced.begin(), balanced.end(), std::int64_t{0}), prompt);
  EXPECT_TRUE(std::is_sorted(balanced.rbegin(), balanced.rend()));  // later chunks shorter

  const std::vector<double> bt = chunk_times(balanced, time);
  const auto [lo, hi] = std::minmax_element(bt.begin(), bt.end());
  EXPECT_LT(*hi / *lo, 1.05);  // about equal (the last chunk takes what is left)

  const PipelineTiming f = chunked_pipeline(chunk_times(fixed, time), 4);
  const PipelineTiming b = chunked_pipeline(bt, 4);
  EXPECT_NEAR(f.busy_s, b.busy_s, 1e-9 * f.busy_s);  // the same total work
  EXPECT_GT(f.bubble, b.bubble);
  EXPECT_LT(b.makespan_s, f.makespan_s);
  const double n = static_cast<double>(balanced.size());
  EXPECT_NEAR(b.bubble, 3.0 / (n + 3.0), 0.02);
}

TEST(Dcpp, LinearCostKeepsFixedChunksBalanced) {
  const LinearAttentionCost cost{1e-6, 0};
  const ChunkTime time = [&](std::int64_t s, std::int64_t c) { return cost(s, c); };
  const PipelineTiming f = chunked_pipeline(chunk_times(fixed_chunks(4096, 1024), time), 2);
  EXPECT_NEAR(f.bubble, 1.0 / 5.0, 1e-12);
}

}  // namespace
}  // namespace lcperf::schedulers::serving
