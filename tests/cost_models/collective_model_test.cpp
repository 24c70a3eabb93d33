// Collective model: NCCL-style alpha-beta closed forms and algorithm selection.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/errors.hpp"
#include "cost_models/collective_model.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_test_support.hpp"

namespace lcperf::cost {
namespace {

using core::CollectiveKind;
using testing::flat_profile;
using testing::h200_hardware;

constexpr double kNvlinkBusBw = 450e9 * 0.8;  // link x nvlink_efficiency (Simple ring: x1.0)

CollectiveModel make_model(double inter_node_per_gpu = 0) {
  return CollectiveModel(h200_hardware(), flat_profile().collective, inter_node_per_gpu);
}

TEST(CostCollective, BusFactorsFollowNcclTests) {
  EXPECT_DOUBLE_EQ(bus_factor(CollectiveKind::all_reduce, 8), 2.0 * 7 / 8);
  EXPECT_DOUBLE_EQ(bus_factor(CollectiveKind::all_gather, 8), 7.0 / 8);
  EXPECT_DOUBLE_EQ(bus_factor(CollectiveKind::reduce_scatter, 8), 7.0 / 8);
  EXPECT_DOUBLE_EQ(bus_factor(CollectiveKind::broadcast, 8), 1.0);
  EXPECT_DOUBLE_EQ(bus_factor(CollectiveKind::reduce, 8), 1.0);
}

TEST(CostCollective, RingAllReduceMatchesClosedFormIntraNode) {
  const CollectiveModel model = make_model();
  const double bytes = 256.0 * 1024 * 1024;
  const auto ring = model.evaluate(CollectiveKind::all_reduce, bytes, 8, 1, CollectiveAlgorithm::ring,
                                   CollectiveProtocol::simple);
  ASSERT_TRUE(ring);
  // alpha: base + 2(n-1) NVLink hops; beta: S * 2(n-1)/n / busbw.
  const double latency = 8.4e-6 + 2 * 7 * 3.4e-6;
  const double expected = latency + bytes * (2.0 * 7 / 8) / kNvlinkBusBw;
  EXPECT_NEAR(ring->time_s, expected, expected * 1e-12);
  EXPECT_NEAR(ring->latency_s, latency, 1e-18);
  EXPECT_DOUBLE_EQ(ring->bus_bw_bytes_per_s, kNvlinkBusBw);
  EXPECT_DOUBLE_EQ(ring->alg_bw_bytes_per_s, kNvlinkBusBw * 8 / 14);
}

TEST(CostCollective, AllGatherUsesItsOwnFactorAndSteps) {
  const CollectiveModel model = make_model();
  const double bytes = 1e9;
  const auto ring = model.evaluate(CollectiveKind::all_gather, bytes, 8, 1, CollectiveAlgorithm::ring,
                                   CollectiveProtocol::simple);
  ASSERT_TRUE(ring);
  const double expected = 8.4e-6 + 7 * 3.4e-6 + bytes * (7.0 / 8) / kNvlinkBusBw;
  EXPECT_NEAR(ring->time_s, expected, expected * 1e-12);
}

TEST(CostCollective, SingleNodePicksLowLatencyProtocolForTinyMessages) {
  const CollectiveModel model = make_model();
  const CollectiveCost tiny = model.collective(CollectiveKind::all_reduce, 1024, 8, 1);
  EXPECT_EQ(tiny.algorithm, CollectiveAlgorithm::ring);
  EXPECT_EQ(tiny.protocol, CollectiveProtocol::ll);
  const CollectiveCost huge = model.collective(CollectiveKind::all_reduce, 4e9, 8, 1);
  EXPECT_EQ(huge.algorithm, CollectiveAlgorithm::ring);
  EXPECT_EQ(huge.protocol, CollectiveProtocol::simple);
}

TEST(CostCollective, TreeWinsTinyAndRingWinsHugeAcrossNodes) {
  const CollectiveModel model = make_model();
  const CollectiveCost tiny = model.collective(CollectiveKind::all_reduce, 1024, 128, 16);
  EXPECT_EQ(tiny.algorithm, CollectiveAlgorithm::tree);
  const CollectiveCost huge = model.collective(CollectiveKind::all_reduce, 4e9, 128, 16);
  EXPECT_EQ(huge.algorithm, CollectiveAlgorithm::ring);
  // Tree latency: base + 2((ppn-1) NVLink hops + log2(nodes) network hops).
  const auto tree = model.evaluate(CollectiveKind::all_reduce, 0, 128, 16, CollectiveAlgorithm::tree,
                                   CollectiveProtocol::ll);
  ASSERT_TRUE(tree);
  EXPECT_NEAR(tree->latency_s, 6.8e-6 + 2 * (7 * 0.6e-6 + 4 * 5.0e-6), 1e-15);
}

TEST(CostCollective, NetworkBoundsMultiNodeBusBandwidth) {
  const CollectiveModel model = make_model(25e9);  // four 400G NICs shared by 8 GPUs
  const auto ring = model.evaluate(CollectiveKind::all_reduce, 1e9, 16, 2, CollectiveAlgorithm::ring,
                                   CollectiveProtocol::simple);
  ASSERT_TRUE(ring);
  EXPECT_DOUBLE_EQ(ring->bus_bw_bytes_per_s, 8 * 25e9 * 0.92);
  // Two passes over the ring, each crossing one node boundary per extra node.
  EXPECT_NEAR(ring->latency_s, 8.4e-6 + (30 - 2) * 3.4e-6 + 2 * 14e-6, 1e-15);
}

TEST(CostCollective, TreeOnlyForAllReduceAndAllToAllIsP2p) {
  const CollectiveModel model = make_model();
  EXPECT_FALSE(model.evaluate(CollectiveKind::all_gather, 1e6, 8, 1, CollectiveAlgorithm::tree,
                              CollectiveProtocol::simple));
  const CollectiveCost a2a = model.collective(CollectiveKind::all_to_all, 8e6, 16, 2);
  EXPECT_EQ(a2a.algorithm, CollectiveAlgorithm::p2p);
  // Half the peers are remote: 8/16 of the buffer over the NIC share, 7/16 over NVLink.
  const double expected = 14e-6 + std::max(8e6 * 7 / 16 / (450e9 * 0.8), 8e6 * 8 / 16 / (50e9 * 0.92));
  EXPECT_NEAR(a2a.time_s, expected, expected * 1e-12);
}

TEST(CostCollective, OneRankIsFree) {
  const CollectiveCost c = make_model().collective(CollectiveKind::all_reduce, 1e9, 1, 1);
  EXPECT_EQ(c.time_s, 0.0);
  EXPECT_EQ(c.algorithm, CollectiveAlgorithm::none);
}

TEST(CostCollective, P2pTimes) {
  const CollectiveModel model = make_model();
  EXPECT_DOUBLE_EQ(model.p2p_time_s(1e9, true), 7e-6 + 1e9 / (450e9 * 0.8));
  EXPECT_DOUBLE_EQ(model.p2p_time_s(1e9, false), 14e-6 + 1e9 / (50e9 * 0.92));
}

TEST(CostCollective, BadGroupsAreInputErrors) {
  const CollectiveModel model = make_model();
  EXPECT_THROW(model.collective(CollectiveKind::all_reduce, 1e6, 6, 4), core::InputError);
  EXPECT_THROW(model.collective(CollectiveKind::all_reduce, 1e6, 0, 1), core::InputError);
  EXPECT_THROW(model.collective(CollectiveKind::all_reduce, -1, 8, 1), core::InputError);
}

TEST(CostCollective, CostModelPricesCollectiveParts) {
  const CostModel model(h200_hardware(), flat_profile());
  const core::CollectiveShape shape{CollectiveKind::all_reduce, 1 << 30, 8, 1};
  const OpCost c = model.cost(shape);
  EXPECT_EQ(c.time_s, model.collective(CollectiveKind::all_reduce, 1 << 30, 8, 1).time_s);
  EXPECT_EQ(c.model, "collective:ring/simple");
  EXPECT_EQ(c.bytes, static_cast<double>(1 << 30));
}

}  // namespace
}  // namespace lcperf::cost
