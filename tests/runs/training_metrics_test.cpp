// compute_training_result against hand computation: the 1F1B bubble closed form,
// iteration time, throughput, MFU, DP imbalance, recompute time, memory and OOM.
#include "runs/training_metrics.hpp"

#include <gtest/gtest.h>

#include "tests/support/hand_built_records.hpp"

namespace lcperf::runs {
namespace {

using core::MemoryTag;
using core::RunRecords;
using core::Scenario;
using core::TimelineRecord;
using core::TrainingResult;
using lcperf::testing::compute_record;
using lcperf::testing::one_f_one_b;
using lcperf::testing::tiny_scenario;

TEST(TrainingMetrics, OneFOneBBubbleMatchesClosedForm) {
  const int p = 2;
  const int m = 4;
  const double f = 1.0;
  const double b = 2.0;
  const RunRecords records = one_f_one_b(p, m, f, b);
  ASSERT_DOUBLE_EQ(records.end_time_s, (m + p - 1) * (f + b));  // the schedule itself is right

  const Scenario scenario = tiny_scenario(1, 1, 1, p, m);
  const double model_flops = 1200;  // by hand: 1200 / (15 s * 2 GPUs * 100 FLOP/s) = 0.4
  const std::int64_t tokens = 60;   // 60 tokens / 15 s = 4 tokens/s
  const TrainingResult result = compute_training_result(scenario, records, model_flops, tokens);

  EXPECT_DOUBLE_EQ(result.bubble_ratio, static_cast<double>(p - 1) / (m + p - 1));
  EXPECT_DOUBLE_EQ(result.iteration_time_s, 15.0);
  EXPECT_DOUBLE_EQ(result.simulated_time_s, 15.0);
  EXPECT_DOUBLE_EQ(result.tokens_per_s, 4.0);
  EXPECT_DOUBLE_EQ(result.mfu, 0.4);
  EXPECT_DOUBLE_EQ(result.dp_imbalance, 0.0);
  EXPECT_DOUBLE_EQ(result.recompute_time_s, 0.0);
  EXPECT_EQ(result.world_size, 2);
  EXPECT_EQ(result.tokens_per_iteration, 60);
  EXPECT_EQ(result.events_simulated, records.events_simulated);
  EXPECT_EQ(result.scenario, "hand_built");
  EXPECT_EQ(result.seed, 7u);
  EXPECT_FALSE(result.oom);
}

TEST(TrainingMetrics, BubbleClosedFormHoldsForLargerPipelines) {
  for (const int p : {1, 3, 4}) {
    for (const int m : {1, 4, 8}) {
      const RunRecords records = one_f_one_b(p, m, 1.0, 1.0);
      EXPECT_NEAR(bubble_ratio(records), static_cast<double>(p - 1) / (m + p - 1), 1e-12) << "p=" << p << " m=" << m;
    }
  }
}

TEST(TrainingMetrics, BubbleIgnoresCommunicationAndCountsOverlapOnce) {
  RunRecords records;
  records.timeline.push_back(compute_record(0, "forward", 0, 4));
  records.timeline.push_back(compute_record(0, "recompute", 2, 6));  // overlaps: union is [0, 6]
  records.timeline.push_back(compute_record(0, "backward", 8, 10));
  TimelineRecord comm = compute_record(0, "collective", 6, 8);
  comm.stream = 3;
  records.timeline.push_back(comm);
  TimelineRecord optimizer = compute_record(0, "optimizer", 10, 20);  // not pipeline compute
  records.timeline.push_back(optimizer);
  // Span [0, 10], busy 8.
  EXPECT_DOUBLE_EQ(bubble_ratio(records), 0.2);
}

TEST(TrainingMetrics, DpImbalanceOfTwoReplicas) {
  RunRecords records;
  records.timeline.push_back(compute_record(0, "forward", 0, 10));
  records.timeline.push_back(compute_record(1, "forward", 0, 12));
  EXPECT_DOUBLE_EQ(dp_imbalance(tiny_scenario(1, 1, 2, 1, 1).parallel, records), 12.0 / 11.0 - 1.0);
}

TEST(TrainingMetrics, DpImbalanceGroupsRanksByDpCoordinate) {
  // dp=2, pp=2: ranks 0,1 are stage 0 of replicas 0,1; ranks 2,3 stage 1 of replicas 0,1.
  RunRecords records;
  records.timeline.push_back(compute_record(0, "forward", 0, 4));
  records.timeline.push_back(compute_record(2, "backward", 2, 10));  // replica 0: [0, 10]
  records.timeline.push_back(compute_record(1, "forward", 0, 5));
  records.timeline.push_back(compute_record(3, "backward", 3, 12));  // replica 1: [0, 12]
  EXPECT_DOUBLE_EQ(dp_imbalance(tiny_scenario(1, 1, 2, 2, 1).parallel, records), 12.0 / 11.0 - 1.0);
}

TEST(TrainingMetrics, RecomputeTimeIsTheSlowestRanksTotal) {
  RunRecords records;
  records.timeline.push_back(compute_record(0, "recompute", 0, 1));
  records.timeline.push_back(compute_record(0, "recompute", 2, 3.5));
  records.timeline.push_back(compute_record(1, "recompute", 0, 2));
  EXPECT_DOUBLE_EQ(recompute_time_s(records), 2.5);
}

TEST(TrainingMetrics, PeakMemoryAndOomComeFromTheRecords) {
  RunRecords records = one_f_one_b(2, 2, 1, 1);
  records.peak_bytes_per_rank = {100, 300};
  records.memory.push_back({0.5, 0, MemoryTag::activations, 50, 150});  // raises rank 0's peak
  records.oom = {true, 1, MemoryTag::activations, 2.5, 1000, 300, 1024};
  const TrainingResult result = compute_training_result(tiny_scenario(1, 1, 1, 2, 2), records, 0, 0);
  EXPECT_EQ(result.peak_memory_bytes_per_rank, (std::vector<std::int64_t>{150, 300}));
  EXPECT_EQ(result.peak_memory_bytes, 300);
  EXPECT_TRUE(result.oom);
  EXPECT_EQ(result.oom_detail.rank, 1);
  EXPECT_EQ(result.oom_detail.requested_bytes, 1000);
}

TEST(TrainingMetrics, EmptyRecordsGiveZerosNotNaN) {
  const TrainingResult result = compute_training_result(tiny_scenario(1, 1, 1, 1, 1), RunRecords{}, 100, 10);
  EXPECT_EQ(result.iteration_time_s, 0);
  EXPECT_EQ(result.tokens_per_s, 0);
  EXPECT_EQ(result.mfu, 0);
  EXPECT_EQ(result.bubble_ratio, 0);
  EXPECT_EQ(result.dp_imbalance, 0);
  EXPECT_EQ(result.peak_memory_bytes_per_rank.size(), 1u);
}

}  // namespace
}  // namespace lcperf::runs
