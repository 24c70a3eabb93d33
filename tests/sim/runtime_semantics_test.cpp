// Stream ordering, device sharing, collectives, memory, messages and deadlock reports
// of the simulated runtime.
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <vector>

#include "sim_test_support.hpp"

namespace lcperf::sim {
namespace {

using testing::gemm_op;
using testing::input_for;
using testing::round_cluster;

TEST(SimRuntime, OpsOnOneStreamRunInOrder) {
  auto records = simulate(input_for(round_cluster(1, 1), 1, [](core::Runtime& rt) {
    auto a = rt.launch(gemm_op("a", 1e-3), core::kComputeStream);
    auto b = rt.launch(gemm_op("b", 2e-3), core::kComputeStream);
    rt.wait(b);
    rt.wait(a);
  }));
  ASSERT_EQ(records.timeline.size(), 2u);
  EXPECT_NEAR(records.timeline[0].start_s, 0.0, 1e-12);
  EXPECT_NEAR(records.timeline[0].end_s, 1e-3, 1e-12);
  EXPECT_NEAR(records.timeline[1].start_s, 1e-3, 1e-12);
  EXPECT_NEAR(records.timeline[1].end_s, 3e-3, 1e-12);
  EXPECT_EQ(records.events_simulated, 2u);
}

std::string kernel_name(int i) { return std::string(1, 'k') + std::to_string(i); }

TEST(SimRuntime, ATimelineLimitKeepsTheFirstRecordsAndCountsTheRest) {
  SimulationInput in = input_for(round_cluster(1, 1), 1, [](core::Runtime& rt) {
    for (int i = 0; i < 10; ++i) rt.wait(rt.launch(gemm_op(kernel_name(i), 1e-3), core::kComputeStream));
  });
  in.timeline_limit = 4;
  const core::RunRecords records = simulate(in);
  // The dropped kernels still ran: ten 1 ms kernels in a row end at 10 ms.
  ASSERT_EQ(records.timeline.size(), 4u);
  EXPECT_EQ(records.timeline_dropped, 6u);
  EXPECT_EQ(records.events_simulated, 10u);
  EXPECT_NEAR(records.end_time_s, 10e-3, 1e-12);
  for (std::size_t i = 0; i < records.timeline.size(); ++i) {
    EXPECT_EQ(records.timeline[i].name, kernel_name(static_cast<int>(i)));
    EXPECT_NEAR(records.timeline[i].end_s, 1e-3 * static_cast<double>(i + 1), 1e-12);
  }
}

TEST(SimRuntime, ConcurrentKernelsShareTheDevice) {
  auto records = simulate(input_for(round_cluster(1, 1), 1, [](core::Runtime& rt) {
    auto a = rt.launch(gemm_op("a", 1e-3), 0);
    auto b = rt.launch(gemm_op("b", 1e-3), 5);
    rt.wait(a);
    rt.wait(b);
  }));
  // Each kernel gets half the GPU while both run: both end at 2 ms.
  ASSERT_EQ(records.timeline.size(), 2u);
  EXPECT_NEAR(records.timeline[0].end_s, 2e-3, 1e-12);
  EXPECT_NEAR(records.timeline[1].end_s, 2e-3, 1e-12);
}

TEST(SimRuntime, LaunchReturnsAtOnceAndWaitBlocks) {
  double after_launch = -1;
  double after_wait = -1;
  simulate(input_for(round_cluster(1, 1), 1, [&](core::Runtime& rt) {
    auto a = rt.launch(gemm_op("a", 1e-3), 0);
    after_launch = rt.now_s();
    rt.wait(a);
    after_wait = rt.now_s();
  }));
  EXPECT_EQ(after_launch, 0.0);
  EXPECT_NEAR(after_wait, 1e-3, 1e-12);
}

TEST(SimRuntime, RingAllReduceMatchesClosedForm) {
  const int n = 8;
  const double bytes = 8e8;
  auto records = simulate(input_for(round_cluster(1, n), n, [bytes](core::Runtime& rt) {
    core::CommGroup group{"dp", {0, 1, 2, 3, 4, 5, 6, 7}};
    core::Tensor t{1, core::bytes_tensor("grads", static_cast<std::int64_t>(bytes), core::MemoryTag::gradients)};
    rt.wait(rt.collective(core::CollectiveKind::all_reduce, group, t, core::kCollectiveStream));
  }));
  // 2(n-1) steps, each moving bytes/n over one NVLink hop pair (2 x 1 us latency).
  const double expected = 2 * (n - 1) * (2e-6 + bytes / n / 400e9);
  EXPECT_NEAR(records.end_time_s, expected, expected * 1e-9);
  // Bus bandwidth as nccl-tests defines it equals the link bandwidth (minus latency).
  const double busbw = bytes / records.end_time_s * 2.0 * (n - 1) / n;
  EXPECT_GT(busbw, 0.95 * 400e9);
}

TEST(SimRuntime, CollectiveWaitsForTheLastMember) {
  auto records = simulate(input_for(round_cluster(1, 2), 2, [](core::Runtime& rt) {
    if (rt.rank() == 1) rt.run(gemm_op("late", 5e-3));
    core::CommGroup group{"g", {0, 1}};
    core::Tensor t{1, core::bytes_tensor("x", 4, core::MemoryTag::other)};
    rt.wait(rt.collective(core::CollectiveKind::all_reduce, group, t, core::kCollectiveStream));
  }));
  for (const auto& rec : records.timeline) {
    if (rec.category == "collective") {
      EXPECT_GE(rec.end_s, 5e-3);
    }
  }
}

TEST(SimRuntime, MemoryPeaksAndOutOfMemoryAreRecorded) {
  auto in = input_for(round_cluster(1, 1), 1, [](core::Runtime& rt) {
    auto w = rt.allocate(core::bytes_tensor("w", 60'000'000'000, core::MemoryTag::weights));
    auto a = rt.allocate(core::bytes_tensor("a", 10'000'000'000, core::MemoryTag::activations));
    rt.run(gemm_op("k", 1e-3));
    rt.release(a);
    auto b = rt.allocate(core::bytes_tensor("b", 30'000'000'000, core::MemoryTag::activations));
    rt.release(b);
    rt.release(w);
  });
  auto records = simulate(in);
  ASSERT_EQ(records.peak_bytes_per_rank.size(), 1u);
  EXPECT_EQ(records.peak_bytes_per_rank[0], 90'000'000'000);
  EXPECT_TRUE(records.oom.happened);
  EXPECT_EQ(records.oom.rank, 0);
  EXPECT_EQ(records.oom.tag, core::MemoryTag::activations);
  EXPECT_NEAR(records.oom.time_s, 1e-3, 1e-12);
  // Conservation: everything allocated was released.
  std::int64_t net = 0;
  for (const auto& e : records.memory) net += e.delta_bytes;
  EXPECT_EQ(net, 0);
}

TEST(SimRuntime, MessagesArriveAndTimeoutsExpire) {
  std::optional<core::Message> got;
  std::optional<core::Message> none;
  simulate(input_for(round_cluster(1, 2), 2, [&](core::Runtime& rt) {
    if (rt.rank() == 0) {
      rt.sleep_until(1e-3);
      rt.post_message(1, core::Message{-1, "hello", 64, "payload"});
    } else {
      none = rt.receive_message(1e-4);
      got = rt.receive_message(-1);
    }
  }));
  EXPECT_FALSE(none.has_value());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->type, "hello");
  EXPECT_EQ(got->from, 0);
  EXPECT_EQ(got->payload, "payload");
}

TEST(SimRuntime, AMessageInFlightSurvivesReceiveTimeouts) {
  // 1 GB over one 400 GB/s NVLink direction: 2.5 ms on the wire. The receiver's 1 ms
  // waits expire twice while it is in transfer; it must still arrive, whole, once.
  std::optional<core::Message> got;
  int timeouts = 0;
  double arrived_s = 0;
  simulate(input_for(round_cluster(1, 2), 2, [&](core::Runtime& rt) {
    if (rt.rank() == 0) {
      rt.post_message(1, core::Message{-1, "bulk", 1'000'000'000, "p"});
      return;
    }
    while (!(got = rt.receive_message(1e-3))) ++timeouts;
    arrived_s = rt.now_s();
  }));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->type, "bulk");
  EXPECT_EQ(timeouts, 2);
  EXPECT_GT(arrived_s, 2.5e-3);
  EXPECT_LT(arrived_s, 2.6e-3);
}

TEST(SimRuntime, RanksPlacedOnOneGpuShareItsTime) {
  // Ranks 0 and 2 on GPU 0, rank 1 alone on GPU 1; each runs a 1 ms kernel at t = 0.
  std::vector<double> done(3, 0);
  std::optional<core::Message> local;
  auto in = input_for(round_cluster(1, 2), 3, [&](core::Runtime& rt) {
    rt.run(gemm_op("k", 1e-3));
    done[static_cast<std::size_t>(rt.rank())] = rt.now_s();
    if (rt.rank() == 0) rt.post_message(2, core::Message{-1, "same gpu", 64, ""});
    if (rt.rank() == 2) local = rt.receive_message(-1);
  });
  in.gpu_of_rank = {0, 1, 0};
  simulate(in);
  EXPECT_NEAR(done[0], 2e-3, 1e-9);  // two kernels share GPU 0: each takes twice as long
  EXPECT_NEAR(done[2], 2e-3, 1e-9);
  EXPECT_NEAR(done[1], 1e-3, 1e-9);
  ASSERT_TRUE(local.has_value());  // ranks on one GPU talk through its loopback
  EXPECT_EQ(local->type, "same gpu");
}

TEST(SimRuntime, DeadlockIsReportedWithRanksAndPendingOps) {
  auto in = input_for(round_cluster(1, 2), 2, [](core::Runtime& rt) {
    core::Tensor t{1, core::bytes_tensor("x", 1024, core::MemoryTag::activations)};
    const int peer = 1 - rt.rank();
    rt.wait(rt.recv(t, peer, core::kRecvStream));  // both wait, nobody sends
  });
  try {
    simulate(in);
    FAIL() << "expected a deadlock";
  } catch (const DeadlockError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("rank 0"), std::string::npos) << what;
    EXPECT_NE(what.find("rank 1"), std::string::npos) << what;
    EXPECT_NE(what.find("recv from rank"), std::string::npos) << what;
  }
}

TEST(SimRuntime, ProgramErrorsStopTheSimulation) {
  auto in = input_for(round_cluster(1, 2), 2, [](core::Runtime& rt) {
    core::Tensor t{1, core::bytes_tensor("x", 1024, core::MemoryTag::activations)};
    if (rt.rank() == 0) rt.send(t, 7, core::kSendStream);  // no rank 7
    rt.run(gemm_op("k", 1e-3));
  });
  EXPECT_THROW(simulate(in), std::runtime_error);
}

}  // namespace
}  // namespace lcperf::sim
