// Tensor-parallel folding must not change what is simulated: a symmetric program gives
// the same times folded and unfolded, including under contention on shared links.
#include <gtest/gtest.h>

#include "core/parallel_config.hpp"
#include "sim_test_support.hpp"

namespace lcperf::sim {
namespace {

using testing::gemm_op;
using testing::round_cluster;

// tp2 pp2 dp2 over 2 nodes of 4 GPUs: the pipeline crosses nodes, and the DP ring
// shares each node's uplink with the pipeline traffic.
core::RankProgram symmetric_program(const core::ParallelConfig& pc, int rank) {
  return [pc, rank](core::Runtime& rt) {
    const core::RankCoord me = core::coord_of(pc, rank);
    core::RankCoord other = me;
    other.pp = 1 - me.pp;
    core::Tensor act{1, core::bytes_tensor("act", 400'000'000, core::MemoryTag::activations)};
    auto mem = rt.allocate(core::bytes_tensor("w", 1'000'000, core::MemoryTag::weights));
    for (int j = 0; j < 3; ++j) {
      rt.run(gemm_op("fwd", 1e-3));
      if (me.pp == 0) rt.wait(rt.send(act, core::rank_of(pc, other), core::kSendStream, j));
      if (me.pp == 1) rt.wait(rt.recv(act, core::rank_of(pc, other), core::kRecvStream, j));
    }
    core::CommGroup dp{"dp", core::dp_group(pc, rank)};
    core::Tensor grads{2, core::bytes_tensor("grads", 800'000'000, core::MemoryTag::gradients)};
    rt.wait(rt.collective(core::CollectiveKind::all_reduce, dp, grads, core::kCollectiveStream));
    rt.release(mem);
  };
}

core::RunRecords run(int fold, double oversubscription) {
  core::ParallelConfig pc;
  pc.tp = 2;
  pc.pp = 2;
  pc.dp = 2;
  auto cluster = round_cluster(2, 4);
  cluster.oversubscription = oversubscription;
  SimulationInput in;
  in.cluster = cluster;
  in.ranks = 8;
  in.fold = fold;
  in.program_for = [pc](int r) { return symmetric_program(pc, r); };
  in.kernel_price = priced_by(testing::flops_over_tera);
  return simulate(in);
}

TEST(Folding, SameIterationTimeFoldedAndUnfolded) {
  for (double over : {1.0, 2.0}) {
    const auto plain = testing::simulate_in_child([over] { return run(1, over); });
    const auto folded = testing::simulate_in_child([over] { return run(2, over); });
    EXPECT_NEAR(folded.end_time_s, plain.end_time_s, plain.end_time_s * 1e-9) << "oversubscription " << over;
    EXPECT_GT(plain.end_time_s, 3e-3);
    // Half the actors, half the activities.
    EXPECT_EQ(plain.events, 2 * folded.events);
  }
}

TEST(Folding, RecordsNameFirstRanksAndPeaksCoverEveryRank) {
  const auto folded = run(2, 1.0);
  for (const auto& rec : folded.timeline) EXPECT_EQ(rec.rank % 2, 0);
  ASSERT_EQ(folded.peak_bytes_per_rank.size(), 8u);
  for (auto peak : folded.peak_bytes_per_rank) EXPECT_EQ(peak, 1'000'000);
}

TEST(Folding, AsymmetricProgramIsRefused) {
  SimulationInput in;
  in.cluster = round_cluster(1, 4);
  in.ranks = 4;
  in.fold = 2;
  in.program_for = [](int) {
    return [](core::Runtime& rt) {
      core::Tensor t{1, core::bytes_tensor("x", 8, core::MemoryTag::other)};
      if (rt.rank() == 0) rt.wait(rt.send(t, 1, core::kSendStream));  // rank 1 is inside the group
    };
  };
  in.kernel_price = priced_by(testing::flops_over_tera);
  try {
    simulate(in);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("folding"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lcperf::sim
