// Data-parallel folding (runs/data_parallel_fold.hpp) must not change the result: the
// same iteration time, bubbles, time breakdown and per-rank memory peaks as simulating
// every replica, on the smoke scenario and on shapes that exercise each way replicas
// meet (an NVLink ring on one node, a ring split over NIC channels, a plain ring across
// nodes through an oversubscribed fabric, merged ring steps, gradient buckets overlapped
// with the pipeline's traffic, tensor-parallel folding on top). Each run happens in its
// own child: SimGrid allows one engine per process.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "../sim/sim_test_support.hpp"
#include "core/scenario.hpp"
#include "runs/data_parallel_fold.hpp"
#include "runs/training_run.hpp"

namespace lcperf::runs {
namespace {

const std::string kSmoke = std::string(LCPERF_SOURCE_DIR) + "/scenarios/smoke/llama3-8b-8xh200-1f1b.json";

constexpr std::size_t kMaxRanks = 64;

// What a run produced, small enough to come back through a pipe.
struct Outcome {
  double iteration_s = -1;
  double bubble = 0;
  double compute_s = 0, fixed_s = 0, exposed_s = 0, idle_s = 0;
  std::int64_t peak = 0;
  std::array<std::int64_t, kMaxRanks> peaks{};
  int ranks = 0;
  int tp_fold = 0;
  int dp_fold = 0;
  std::uint64_t events = 0;
};

Outcome run(const std::vector<core::Override>& shape, const char* fold) {
  return sim::testing::in_child<Outcome>([&shape, fold] {
    std::vector<core::Override> overrides = shape;
    overrides.push_back({"sim.fold_data_parallel", std::string("\"") + fold + "\""});
    const TrainingRun r = run_training(core::load_scenario(kSmoke, overrides));
    Outcome o;
    o.iteration_s = r.result.iteration_time_s;
    o.bubble = r.result.bubble_ratio;
    o.compute_s = r.result.time_breakdown.compute_s;
    o.fixed_s = r.result.time_breakdown.fixed_s;
    o.exposed_s = r.result.time_breakdown.exposed_communication_s;
    o.idle_s = r.result.time_breakdown.idle_s;
    o.peak = r.result.peak_memory_bytes;
    o.ranks = static_cast<int>(std::min(kMaxRanks, r.result.peak_memory_bytes_per_rank.size()));
    std::copy_n(r.result.peak_memory_bytes_per_rank.begin(), o.ranks, o.peaks.begin());
    o.tp_fold = r.result.folding.tensor_parallel;
    o.dp_fold = r.result.folding.data_parallel;
    o.events = r.records.events_simulated;
    return o;
  });
}

void expect_same_result(const std::vector<core::Override>& shape, int replicas) {
  const Outcome plain = run(shape, "off");
  const Outcome folded = run(shape, "on");
  ASSERT_GT(plain.iteration_s, 0);
  ASSERT_GT(folded.iteration_s, 0);
  EXPECT_EQ(plain.dp_fold, 1);
  EXPECT_EQ(folded.dp_fold, replicas);
  EXPECT_EQ(folded.tp_fold, plain.tp_fold);
  const auto near = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(std::abs(b), 1e-3); };
  EXPECT_TRUE(near(folded.iteration_s, plain.iteration_s)) << folded.iteration_s << " vs " << plain.iteration_s;
  EXPECT_TRUE(near(folded.bubble, plain.bubble)) << folded.bubble << " vs " << plain.bubble;
  EXPECT_TRUE(near(folded.compute_s, plain.compute_s)) << folded.compute_s << " vs " << plain.compute_s;
  EXPECT_TRUE(near(folded.fixed_s, plain.fixed_s));
  EXPECT_TRUE(near(folded.exposed_s, plain.exposed_s)) << folded.exposed_s << " vs " << plain.exposed_s;
  EXPECT_TRUE(near(folded.idle_s, plain.idle_s)) << folded.idle_s << " vs " << plain.idle_s;
  EXPECT_EQ(folded.peak, plain.peak);
  ASSERT_EQ(folded.ranks, plain.ranks);
  for (int r = 0; r < plain.ranks; ++r) EXPECT_EQ(folded.peaks[r], plain.peaks[r]) << "rank " << r;
  // One replica simulated: fewer activities (the gradient rings' steps count once per
  // group instead of once per member, so not exactly 1/replicas).
  EXPECT_LT(folded.events * replicas, plain.events * 11 / 10);
  EXPECT_LT(folded.events, plain.events);
}

// Small layers keep every run to a fraction of a second.
std::vector<core::Override> small(std::vector<core::Override> more) {
  std::vector<core::Override> o = {{"model.layers", "4"}, {"workload.seq_len", "2048"},
                                   {"parallel.num_micro_batches", "4"}};
  o.insert(o.end(), more.begin(), more.end());
  return o;
}

TEST(DataParallelFold, SmokeScenarioNvlinkRingOnOneNode) { expect_same_result({}, 2); }

TEST(DataParallelFold, RingsSplitOverEveryNicWithOverlappedBucketsAndMergedSteps) {
  // TP2 PP2 DP8 on 4 nodes: each gradient group has 4 members on each of 2 nodes, so its
  // ring runs as 4 NIC channels; buckets reduce while the pipeline's traffic crosses the
  // same NICs; 14 ring steps merged into 4.
  expect_same_result(small({{"cluster.nodes", "4"},
                            {"parallel.dp", "8"},
                            {"training.overlap_grad_reduce", "true"},
                            {"training.grad_bucket_mb", "50"},
                            {"sim.ring_step_limit", "4"}}),
                     8);
}

TEST(DataParallelFold, PlainRingAcrossOversubscribedNodesWithTensorParallelFolding) {
  // TP8 PP2 DP3 on 6 nodes, 2:1 oversubscribed: one node per replica and stage, so each
  // gradient ring crosses the fabric at every step; TP groups folded as well.
  expect_same_result(small({{"cluster.nodes", "6"},
                            {"cluster.oversubscription", "2"},
                            {"parallel.tp", "8"},
                            {"parallel.dp", "3"},
                            {"sim.fold_tensor_parallel", "\"on\""},
                            {"training.overlap_grad_reduce", "true"}}),
                     3);
}

TEST(DataParallelFold, InterleavedStagesWithGatheredParametersOnTwoNodes) {
  // TP2 PP2 x2 virtual stages DP4 on 2 nodes, stage granularity: every replica of a stage
  // on one node (an NVLink ring), the pipeline crossing nodes; parameters gathered
  // bucket by bucket under the forward.
  expect_same_result(small({{"cluster.nodes", "2"},
                            {"parallel.dp", "4"},
                            {"parallel.virtual_stages", "2"},
                            {"strategy.schedule", "\"interleaved_1f1b\""},
                            {"strategy.recompute", "\"full\""},
                            {"sim.granularity", "\"stage\""},
                            {"training.overlap_param_gather", "true"}}),
                     4);
}

TEST(DataParallelFold, ReplicasThatDifferOrShareABindingLinkAreSimulatedEach) {
  const auto fold_of = [](const std::vector<core::Override>& o) {
    std::vector<core::Override> with = {{"sim.fold_data_parallel", "\"on\""}};
    with.insert(with.end(), o.begin(), o.end());  // later overrides win
    const core::Scenario s = core::load_scenario(kSmoke, with);
    return data_parallel_fold(s, tensor_parallel_fold(s));
  };
  EXPECT_EQ(fold_of({}), 2);
  EXPECT_EQ(fold_of({{"sim.fold_data_parallel", "\"off\""}}), 1);
  // Sampled lengths: each replica packs its own share of the batch.
  EXPECT_EQ(fold_of({{"workload", R"({"kind": "dataset", "dataset": "chunkflow-long-sft", "global_batch": 8, "context_length": 8192})"}}), 1);
  // Two replicas on a node behind an oversubscribed uplink share it.
  EXPECT_EQ(fold_of({{"cluster.nodes", "2"}, {"parallel.dp", "4"}, {"cluster.oversubscription", "2"}}), 1);
  // ... and GPUs sharing a NIC put different replicas' traffic on one link.
  EXPECT_EQ(fold_of({{"cluster.nodes", "2"}, {"parallel.dp", "4"}, {"cluster.nics_per_node", "4"}}), 1);
  // The same two nodes with a NIC per GPU and no oversubscription fold.
  EXPECT_EQ(fold_of({{"cluster.nodes", "2"}, {"parallel.dp", "4"}}), 4);
  // Auto leaves small jobs unfolded (every rank in the records) and folds large ones.
  const auto auto_fold = [](const std::vector<core::Override>& o) {
    const core::Scenario s = core::load_scenario(kSmoke, o);
    return data_parallel_fold(s, tensor_parallel_fold(s));
  };
  EXPECT_EQ(auto_fold({}), 1);
  EXPECT_EQ(auto_fold({{"cluster.nodes", "16"}, {"parallel.dp", "32"}}), 32);
}

}  // namespace
}  // namespace lcperf::runs
