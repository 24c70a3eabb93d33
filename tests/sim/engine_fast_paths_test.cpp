// The engine's fast paths against the plain SimGrid paths they replace:
// - a kernel the rank actor runs itself while nothing else can touch its host's CPU is
//   a SimGrid sleep of flops / speed instead of an execution; a second rank placed on
//   the same GPU (doing nothing) turns the fast path off, so the two runs below differ
//   only in that, and every record must match to the bit;
// - deferred work on several streams at once (a send and a receive posted before
//   either is waited on), against the closed form of a full-duplex NVLink exchange;
// - pooled p2p mailboxes: messages matched by tag, tags used again after their transfer.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "sim_test_support.hpp"

namespace lcperf::sim {
namespace {

using testing::in_child;
using testing::input_for;
using testing::round_cluster;

constexpr std::size_t kMaxRecords = 64;

struct Timeline {
  std::size_t size = 0;
  std::array<int, kMaxRecords> rank{};
  std::array<int, kMaxRecords> stream{};
  std::array<double, kMaxRecords> start{};
  std::array<double, kMaxRecords> end{};
  double end_time_s = -1;
  std::uint64_t events = 0;
};

Timeline timeline_of(const core::RunRecords& records) {
  Timeline t;
  t.size = std::min(records.timeline.size(), kMaxRecords);
  for (std::size_t i = 0; i < t.size; ++i) {
    t.rank[i] = records.timeline[i].rank;
    t.stream[i] = records.timeline[i].stream;
    t.start[i] = records.timeline[i].start_s;
    t.end[i] = records.timeline[i].end_s;
  }
  t.end_time_s = records.end_time_s;
  t.events = records.events_simulated;
  return t;
}

// Kernels whose times (2mnk / 1e12 s) have no short binary expansion, so any
// difference in how an end time is computed shows in the last bits.
core::KernelOp awkward_op(const std::string& name, int i) {
  core::KernelOp op;
  op.name = name;
  op.category = "forward";
  op.parts.push_back(core::GemmShape{12347 + 3331 * i, 1000, 1001, 1, core::DType::bf16});
  return op;
}
double awkward_s(int i) { return testing::flops_over_tera(awkward_op("", i)); }

// Rank 0: a chain of kernels run and waited one by one (fast path candidates), some
// while a large send to rank 1 is in flight on the send stream (a transfer uses links,
// not the CPU), then two kernels on two streams at once (they share the device: never
// the fast path). Rank 1 receives and runs kernels. `extra_rank_on_gpu0`: a third rank
// that does nothing, placed on GPU 0, so rank 0 is not alone on its host and every
// kernel there is a SimGrid execution.
Timeline run_case(bool extra_rank_on_gpu0) {
  const int ranks = extra_rank_on_gpu0 ? 3 : 2;
  SimulationInput in = input_for(round_cluster(1, 2), ranks, [](core::Runtime& rt) {
    if (rt.rank() == 2) return;
    const core::Tensor buffer{1, core::bytes_tensor("act", 400'000'000, core::MemoryTag::activations)};
    rt.sleep_until(0.1 / 3.0);  // a start time with no short expansion either
    if (rt.rank() == 0) {
      for (int i = 0; i < 3; ++i) rt.run(awkward_op("alone" + std::to_string(i), i));
      const core::Completion sent = rt.send(buffer, 1, core::kSendStream, 7);
      for (int i = 3; i < 8; ++i) rt.run(awkward_op("beside send" + std::to_string(i), i));
      rt.wait(sent);
      const core::Completion a = rt.launch(awkward_op("shared a", 8), core::kComputeStream);
      const core::Completion b = rt.launch(awkward_op("shared b", 9), 5);
      rt.wait(a);
      rt.wait(b);
    } else {
      rt.wait(rt.recv(buffer, 0, core::kRecvStream, 7));
      for (int i = 0; i < 4; ++i) rt.run(awkward_op("after recv" + std::to_string(i), i));
    }
  });
  if (extra_rank_on_gpu0) in.gpu_of_rank = {0, 1, 0};
  return timeline_of(simulate(in));
}

TEST(EngineFastPaths, KernelsAloneOnTheirHostEndAtTheSameDoubleAsExecutions) {
  const Timeline fast = in_child<Timeline>([] { return run_case(false); });
  const Timeline exec = in_child<Timeline>([] { return run_case(true); });
  ASSERT_EQ(fast.size, 16u);  // 8 + 2 kernels and a send on rank 0, a receive and 4 kernels on rank 1
  ASSERT_EQ(exec.size, fast.size);
  EXPECT_EQ(fast.events, exec.events);
  EXPECT_EQ(fast.end_time_s, exec.end_time_s);
  for (std::size_t i = 0; i < fast.size; ++i) {
    EXPECT_EQ(fast.rank[i], exec.rank[i]) << "record " << i;
    EXPECT_EQ(fast.stream[i], exec.stream[i]) << "record " << i;
    EXPECT_EQ(fast.start[i], exec.start[i]) << "record " << i;  // bit for bit, not near
    EXPECT_EQ(fast.end[i], exec.end[i]) << "record " << i;
  }
  // And both are the hand-computed schedule: rank 0's eight kernels back to back from
  // t0, then the two shared ones (each at half speed while both run).
  const double t0 = 0.1 / 3.0;
  double t = t0;
  std::size_t kernels = 0;
  for (std::size_t i = 0; i < fast.size && kernels < 8; ++i) {
    if (fast.rank[i] != 0 || fast.stream[i] != core::kComputeStream) continue;
    EXPECT_NEAR(fast.start[i], t, 1e-12);
    t += awkward_s(static_cast<int>(kernels++));
    EXPECT_NEAR(fast.end[i], t, 1e-12);
  }
  EXPECT_EQ(kernels, 8u);
  const double a = awkward_s(8);
  const double b = awkward_s(9);
  // The 400 MB send (1 ms) ends before the eight kernels do, so the shared pair starts
  // at t: a ends after 2a (both at half speed); b then runs alone for its remaining b - a.
  EXPECT_NEAR(fast.end_time_s, t + a + b, 1e-12);
}

TEST(EngineFastPaths, ASendAndAReceiveDeferredTogetherRunConcurrently) {
  // Each rank posts a send and a receive before waiting on either; the exchange is
  // full duplex, so both transfers end at latency + bytes / bandwidth.
  const double bytes = 4e8;
  double end[2] = {-1, -1};
  simulate(input_for(round_cluster(1, 2), 2, [&](core::Runtime& rt) {
    const core::Tensor out{1, core::bytes_tensor("out", static_cast<std::int64_t>(bytes), core::MemoryTag::comm_buffer)};
    const core::Tensor in{2, core::bytes_tensor("in", static_cast<std::int64_t>(bytes), core::MemoryTag::comm_buffer)};
    const int peer = 1 - rt.rank();
    const core::Completion sent = rt.send(out, peer, core::kSendStream, 3);
    const core::Completion received = rt.recv(in, peer, core::kRecvStream, 3);
    rt.wait(sent);
    rt.wait(received);
    end[rt.rank()] = rt.now_s();
  }));
  const double expected = 2 * 1e-6 + bytes / 400e9;  // two NVLink hops' latency, one link's bandwidth
  EXPECT_NEAR(end[0], expected, expected * 1e-9);
  EXPECT_NEAR(end[1], expected, expected * 1e-9);
}

TEST(EngineFastPaths, MessagesMatchTheirTagsAndTagsServeAgain) {
  // Rank 0 sends 40 messages of growing size with tags 0..39 one after the other on one
  // stream (each starts when the previous ends); rank 1 receives them in reverse tag
  // order. Tag matching makes the first receive (tag 39) end when the last message
  // arrives, and every other one then at once. A second round sends the same tags again
  // (mailboxes given back after their transfer serve them), received in tag order.
  constexpr int kMessages = 40;
  std::array<double, kMessages> first_round{};
  std::array<double, kMessages> second_round{};
  const auto bytes = [](int i) { return 1e6 * (i + 1); };
  simulate(input_for(round_cluster(1, 2), 2, [&](core::Runtime& rt) {
    const auto tensor = [&bytes](int i) {
      return core::Tensor{static_cast<std::uint64_t>(i + 1),
                          core::bytes_tensor("m", static_cast<std::int64_t>(bytes(i)), core::MemoryTag::comm_buffer)};
    };
    for (int round = 0; round < 2; ++round) {
      if (rt.rank() == 0) {
        std::vector<core::Completion> sent;
        for (int i = 0; i < kMessages; ++i) sent.push_back(rt.send(tensor(i), 1, core::kSendStream, i));
        for (const core::Completion& c : sent) rt.wait(c);
      } else {
        for (int k = 0; k < kMessages; ++k) {
          const int i = round == 0 ? kMessages - 1 - k : k;
          rt.wait(rt.recv(tensor(i), 0, core::kRecvStream, i));
          (round == 0 ? first_round : second_round)[static_cast<std::size_t>(i)] = rt.now_s();
        }
      }
    }
  }));
  const auto transfer = [&bytes](int i) { return 2 * 1e-6 + bytes(i) / 400e9; };  // one NVLink transfer
  double all_sent = 0;
  for (int i = 0; i < kMessages; ++i) all_sent += transfer(i);
  for (int i = 0; i < kMessages; ++i) {
    EXPECT_NEAR(first_round[static_cast<std::size_t>(i)], all_sent, all_sent * 1e-9) << "tag " << i;
  }
  double arrived = all_sent;
  for (int i = 0; i < kMessages; ++i) {
    arrived += transfer(i);
    EXPECT_NEAR(second_round[static_cast<std::size_t>(i)], arrived, arrived * 1e-9) << "tag " << i;
  }
}

}  // namespace
}  // namespace lcperf::sim
