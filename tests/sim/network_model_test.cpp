// Transfer times on single links and under contention, against hand computation.
#include <gtest/gtest.h>

#include "sim_test_support.hpp"

namespace lcperf::sim {
namespace {

using testing::input_for;
using testing::round_cluster;

constexpr double kBytes = 1e9;

// Rank `from` sends kBytes to rank `to`; returns the receive-side duration.
double one_transfer(const core::ClusterSpec& cluster, int ranks, int from, int to) {
  auto records = simulate(input_for(cluster, ranks, [from, to](core::Runtime& rt) {
    core::Tensor t{1, core::bytes_tensor("x", static_cast<std::int64_t>(kBytes), core::MemoryTag::activations)};
    if (rt.rank() == from) rt.wait(rt.send(t, to, core::kSendStream));
    if (rt.rank() == to) rt.wait(rt.recv(t, from, core::kRecvStream));
  }));
  return records.end_time_s;
}

TEST(NetworkModel, NvlinkTransferIsLatencyPlusBytesOverBandwidth) {
  const auto c = round_cluster(1, 8);
  // Route: GPU0 nvlink up + GPU1 nvlink down; two link latencies, one bottleneck.
  const double expected = 2 * 1e-6 + kBytes / 400e9;
  EXPECT_NEAR(one_transfer(c, 8, 0, 1), expected, expected * 1e-9);
}

TEST(NetworkModel, InterNodeTransferCrossesNicsAndSwitch) {
  const auto c = round_cluster(2, 8);
  // Route: nic up (3us) + node0 uplink (1us) + node1 uplink down (1us) + nic down (3us).
  const double expected = 2 * 3e-6 + 2 * 1e-6 + kBytes / 50e9;
  EXPECT_NEAR(one_transfer(c, 16, 3, 11), expected, expected * 1e-9);
}

TEST(NetworkModel, TwoFlowsOutOfOneGpuShareItsNvlink) {
  const auto c = round_cluster(1, 8);
  std::vector<double> ends(8, 0);
  auto records = simulate(input_for(c, 8, [&ends](core::Runtime& rt) {
    core::Tensor t{1, core::bytes_tensor("x", static_cast<std::int64_t>(kBytes), core::MemoryTag::activations)};
    if (rt.rank() == 0) {
      auto a = rt.send(t, 1, core::kSendStream);
      auto b = rt.send(t, 2, core::kCollectiveStream);
      // A flow in the opposite direction uses the other half of the duplex links.
      auto back = rt.recv(t, 3, core::kRecvStream);
      rt.wait(a);
      rt.wait(b);
      rt.wait(back);
    }
    if (rt.rank() == 3) rt.wait(rt.send(t, 0, core::kSendStream));
    if (rt.rank() == 1 || rt.rank() == 2) rt.wait(rt.recv(t, 0, core::kRecvStream));
    ends[static_cast<std::size_t>(rt.rank())] = rt.now_s();
  }));
  const double shared = 2e-6 + 2 * kBytes / 400e9;
  const double alone = 2e-6 + kBytes / 400e9;
  EXPECT_NEAR(ends[1], shared, shared * 1e-9);
  EXPECT_NEAR(ends[2], shared, shared * 1e-9);
  EXPECT_NEAR(ends[3], alone, alone * 1e-9);
  EXPECT_NEAR(records.end_time_s, shared, shared * 1e-9);
}

TEST(NetworkModel, OversubscribedFabricHalvesCrossNodeBandwidth) {
  auto c = round_cluster(2, 4);
  c.oversubscription = 2.0;
  // Four GPUs of node 0 each send to their peer on node 1: the node uplink carries
  // 4 x 50 GB/s / 2 = 100 GB/s, so each flow gets 25 GB/s.
  auto records = simulate(input_for(c, 8, [](core::Runtime& rt) {
    core::Tensor t{1, core::bytes_tensor("x", static_cast<std::int64_t>(kBytes), core::MemoryTag::activations)};
    if (rt.rank() < 4) rt.wait(rt.send(t, rt.rank() + 4, core::kSendStream));
    if (rt.rank() >= 4) rt.wait(rt.recv(t, rt.rank() - 4, core::kRecvStream));
  }));
  const double expected = 2 * 3e-6 + 2 * 1e-6 + kBytes / 25e9;
  EXPECT_NEAR(records.end_time_s, expected, expected * 1e-9);
}

TEST(NetworkModel, NonBlockingFabricGivesEveryNicFullBandwidth) {
  auto c = round_cluster(2, 4);
  auto records = simulate(input_for(c, 8, [](core::Runtime& rt) {
    core::Tensor t{1, core::bytes_tensor("x", static_cast<std::int64_t>(kBytes), core::MemoryTag::activations)};
    if (rt.rank() < 4) rt.wait(rt.send(t, rt.rank() + 4, core::kSendStream));
    if (rt.rank() >= 4) rt.wait(rt.recv(t, rt.rank() - 4, core::kRecvStream));
  }));
  const double expected = 2 * 3e-6 + 2 * 1e-6 + kBytes / 50e9;
  EXPECT_NEAR(records.end_time_s, expected, expected * 1e-9);
}

TEST(NetworkModel, FreeCommunicationTakesNoTime) {
  auto in = input_for(round_cluster(2, 8), 16, [](core::Runtime& rt) {
    core::Tensor t{1, core::bytes_tensor("x", static_cast<std::int64_t>(kBytes), core::MemoryTag::activations)};
    if (rt.rank() == 0) rt.wait(rt.send(t, 15, core::kSendStream));
    if (rt.rank() == 15) rt.wait(rt.recv(t, 0, core::kRecvStream));
  });
  in.free_communication = true;
  EXPECT_NEAR(simulate(in).end_time_s, 0.0, 1e-12);
}

}  // namespace
}  // namespace lcperf::sim
