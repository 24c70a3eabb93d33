// NCCL-style ring channels over nodes: the plan (who sends how much to whom) and the
// simulated all-reduce time against the closed-form ring cost over all of a node's NICs.
#include <gtest/gtest.h>

#include <numeric>

#include "cost_models/collective_model.hpp"
#include "sim/ring_channels.hpp"
#include "sim_test_support.hpp"

namespace lcperf::sim {
namespace {

using testing::input_for;
using testing::round_cluster;

std::vector<MemberPlace> nodes_of(int nodes, int per_node, int nics) {
  std::vector<MemberPlace> places;
  for (int n = 0; n < nodes; ++n) {
    for (int l = 0; l < per_node; ++l) places.push_back({n, l % nics});
  }
  return places;
}

TEST(RingChannels, OneNodeIsThePlainRingInGroupOrder) {
  const RingChannels plan = plan_ring_channels(nodes_of(1, 4, 4));
  EXPECT_EQ(plan.channels, 1);
  for (int i = 0; i < 4; ++i) {
    const RingMember& m = plan.members[static_cast<std::size_t>(i)];
    EXPECT_EQ(m.on_node_next, (i + 1) % 4);
    EXPECT_EQ(m.on_node_prev, (i + 3) % 4);
    EXPECT_EQ(m.on_node_share, 1.0);
    EXPECT_EQ(m.cross_share, 0.0);
  }
}

TEST(RingChannels, EveryNicCarriesOneChannelAndEveryMemberSendsWhatItReceives) {
  // 3 nodes x 4 members, 2 NIC links per node (members 0,2 on NIC 0; 1,3 on NIC 1):
  // two channels, leaving through local members 0 and 1.
  const RingChannels plan = plan_ring_channels(nodes_of(3, 4, 2));
  EXPECT_EQ(plan.channels, 2);
  std::vector<double> received(12, 0.0);
  for (int i = 0; i < 12; ++i) {
    const RingMember& m = plan.members[static_cast<std::size_t>(i)];
    const int local = i % 4;
    const int node = i / 4;
    EXPECT_DOUBLE_EQ(m.on_node_share + m.cross_share, 1.0);
    EXPECT_DOUBLE_EQ(m.cross_share, local < 2 ? 0.5 : 0.0);
    EXPECT_EQ(m.on_node_next, node * 4 + (local + 1) % 4);
    EXPECT_EQ(m.cross_next, ((node + 1) % 3) * 4 + (local + 1) % 4);
    received[static_cast<std::size_t>(m.on_node_next)] += m.on_node_share;
    received[static_cast<std::size_t>(m.cross_next)] += m.cross_share;
  }
  // Conservation: every member receives exactly one chunk per step, and its plan
  // expects what its predecessors send.
  for (int i = 0; i < 12; ++i) {
    const RingMember& m = plan.members[static_cast<std::size_t>(i)];
    EXPECT_DOUBLE_EQ(received[static_cast<std::size_t>(i)], 1.0);
    EXPECT_DOUBLE_EQ(m.on_node_prev_share + m.cross_prev_share, 1.0);
  }
}

TEST(RingChannels, UnequalNodesFallBackToOnePlainRingNodeByNode) {
  // Group order interleaves nodes; the ring visits node 0's members first.
  const RingChannels plan = plan_ring_channels({{0, 0}, {1, 0}, {0, 1}});
  EXPECT_EQ(plan.channels, 1);
  EXPECT_EQ(plan.members[0].on_node_next, 2);
  EXPECT_EQ(plan.members[2].on_node_next, 1);
  EXPECT_EQ(plan.members[1].on_node_next, 0);
}

// 2 nodes x 4 GPUs (NVLink 400 GB/s, 1 us; NIC 50 GB/s, 3 us; switch 1 us): the
// all-reduce of S bytes over all 8 GPUs. Four channels leave each node through four
// NICs, so every step moves S/8 through 4 NICs (each a quarter) while the on-node
// flows (3/4 of S/8 over NVLink) finish sooner: a step takes the cross-node latency
// (NIC + uplink, both ends: 8 us) plus S/8 / (4 x 50 GB/s).
TEST(RingChannels, MultiNodeAllReduceUsesEveryNicOfTheNode) {
  const int n = 8;
  const double bytes = 8e8;
  auto records = simulate(input_for(round_cluster(2, 4), n, [bytes](core::Runtime& rt) {
    core::CommGroup group{"dp", {0, 1, 2, 3, 4, 5, 6, 7}};
    core::Tensor t{1, core::bytes_tensor("grads", static_cast<std::int64_t>(bytes), core::MemoryTag::gradients)};
    rt.wait(rt.collective(core::CollectiveKind::all_reduce, group, t, core::kCollectiveStream));
  }));
  const double latency = 2 * 3e-6 + 2 * 1e-6;
  const double expected = 2 * (n - 1) * (latency + bytes / n / (4 * 50e9));
  EXPECT_NEAR(records.end_time_s, expected, expected * 1e-9);

  // The collective model's closed form (ring, bus bandwidth = min(NVLink, GPUs per
  // node x NIC)), with unit efficiencies and no latency terms, agrees within the
  // simulated latency.
  core::HardwareSpec hw = round_cluster(2, 4).gpu;
  cost::CollectiveProfile profile;
  profile.nvlink_efficiency = 1.0;
  profile.net_efficiency = 1.0;
  const cost::CollectiveModel model(hw, profile, hw.nic_bandwidth_bytes_per_s);
  const auto ring = model.evaluate(core::CollectiveKind::all_reduce, bytes, n, 2, cost::CollectiveAlgorithm::ring,
                                   cost::CollectiveProtocol::simple);
  ASSERT_TRUE(ring.has_value());
  const double closed_form = 2.0 * (n - 1) / n * bytes / (4 * 50e9);
  EXPECT_NEAR(ring->time_s, closed_form, closed_form * 1e-9);
  EXPECT_NEAR(records.end_time_s, closed_form, closed_form * 0.03);
}

TEST(RingChannels, OneNicPerNodeThrottlesTheRingToIt) {
  // The same all-reduce with one NIC per node: every channel leaves through it.
  auto cluster = round_cluster(2, 4);
  cluster.nics_per_node = 1;
  const int n = 8;
  const double bytes = 8e8;
  auto records = simulate(input_for(cluster, n, [bytes](core::Runtime& rt) {
    core::CommGroup group{"dp", {0, 1, 2, 3, 4, 5, 6, 7}};
    core::Tensor t{1, core::bytes_tensor("grads", static_cast<std::int64_t>(bytes), core::MemoryTag::gradients)};
    rt.wait(rt.collective(core::CollectiveKind::all_reduce, group, t, core::kCollectiveStream));
  }));
  // One NIC link of 50 GB/s (nics x bandwidth pooled into one link) carries S/8 per step.
  const double latency = 2 * 3e-6 + 2 * 1e-6;
  const double expected = 2 * (n - 1) * (latency + bytes / n / 50e9);
  EXPECT_NEAR(records.end_time_s, expected, expected * 1e-9);
}

// Merged steps (SimulationInput::ring_step_limit): the same 14-step all-reduce run as 4
// steps of 3.5 chunks plus the 10 merged steps' latency. The cross-node edge binds every
// step, so the time is the exact one; the ring's flows drop from 14 to 4 per member.
TEST(RingChannels, MergedStepsKeepTheBytesAndTheLatency) {
  constexpr int n = 8;
  constexpr double bytes = 8e8;
  // One SimGrid engine per process: each run in its own child.
  const auto run = [bytes](int limit) {
    return testing::simulate_in_child([bytes, limit] {
      SimulationInput in = input_for(round_cluster(2, 4), n, [bytes](core::Runtime& rt) {
        core::CommGroup group{"dp", {0, 1, 2, 3, 4, 5, 6, 7}};
        core::Tensor t{1, core::bytes_tensor("grads", static_cast<std::int64_t>(bytes), core::MemoryTag::gradients)};
        rt.wait(rt.collective(core::CollectiveKind::all_reduce, group, t, core::kCollectiveStream));
      });
      in.ring_step_limit = limit;
      return simulate(in);
    });
  };
  const testing::ChildRun exact = run(0);
  const testing::ChildRun merged = run(4);
  const double latency = 2 * 3e-6 + 2 * 1e-6;
  const double expected = 2 * (n - 1) * (latency + bytes / n / (4 * 50e9));
  EXPECT_NEAR(exact.end_time_s, expected, expected * 1e-9);
  EXPECT_NEAR(merged.end_time_s, expected, expected * 1e-9);
  EXPECT_EQ(exact.events - merged.events, static_cast<std::uint64_t>(n * (14 - 4)));
  // A limit at or above the step count changes nothing.
  EXPECT_EQ(run(14).events, exact.events);
}

}  // namespace
}  // namespace lcperf::sim
