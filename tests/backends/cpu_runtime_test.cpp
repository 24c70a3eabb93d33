// The live CPU runtime against hand-computed expectations: real bytes move, collectives
// compute what they should, streams order and overlap as the seam says, memory is
// accounted exactly, and a deadlock ends in an error instead of a hang.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "backends/cpu/cpu_runtime.hpp"

namespace lcperf::backends::cpu {
namespace {

using core::CollectiveKind;

core::TensorDesc floats(const std::string& name, std::int64_t count, core::MemoryTag tag = core::MemoryTag::other) {
  return core::TensorDesc{name, {count}, core::DType::fp32, tag};
}

std::vector<float> read(core::Runtime& rt, const core::Tensor& t) {
  const std::span<std::byte> bytes = live_buffer(rt, t);
  std::vector<float> out(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

void write(core::Runtime& rt, const core::Tensor& t, const std::vector<float>& values) {
  const std::span<std::byte> bytes = live_buffer(rt, t);
  ASSERT_EQ(bytes.size(), values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
}

LiveInput input_of(int ranks, std::function<void(core::Runtime&)> program) {
  LiveInput in;
  in.ranks = ranks;
  in.memory_capacity_bytes = std::int64_t{1} << 30;
  in.program_for = [program](int) { return core::RankProgram(program); };
  return in;
}

// Kernels that only sleep: op "name" sleeps for the milliseconds in its micro_batch.
std::vector<double> sleeping_kernel(const core::KernelOp& op) {
  std::this_thread::sleep_for(std::chrono::milliseconds(op.micro_batch));
  return {};
}

const core::TimelineRecord& record(const core::RunRecords& r, const std::string& name) {
  const auto it = std::find_if(r.timeline.begin(), r.timeline.end(), [&](const auto& rec) { return rec.name == name; });
  if (it == r.timeline.end()) throw std::runtime_error("no record " + name);
  return *it;
}

TEST(CpuRuntime, SendMovesTheSendersBytesToTheReceiver) {
  constexpr int kCount = 4099;
  std::vector<float> received;
  LiveInput in = input_of(2, [&](core::Runtime& rt) {
    core::Tensor t = rt.allocate(floats("payload", kCount));
    if (rt.rank() == 0) {
      std::vector<float> values(kCount);
      for (int i = 0; i < kCount; ++i) values[static_cast<std::size_t>(i)] = 1.5f * static_cast<float>(i) - 7.0f;
      write(rt, t, values);
      // Eager: the send completes although rank 1 posts its recv only later.
      rt.wait(rt.send(t, 1, core::kSendStream, 7));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      rt.wait(rt.recv(t, 0, core::kRecvStream, 7));
      received = read(rt, t);
    }
    rt.release(t);
  });
  const LiveResult result = run_live(in);
  ASSERT_EQ(received.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(received[static_cast<std::size_t>(i)], 1.5f * static_cast<float>(i) - 7.0f) << i;
  const core::TimelineRecord& send = record(result.records, "send payload to 1");
  const core::TimelineRecord& recv = record(result.records, "recv payload from 0");
  EXPECT_EQ(send.category, "p2p");
  EXPECT_EQ(send.bytes, kCount * 4.0);
  EXPECT_LE(send.end_s, recv.start_s);  // the send was done before the recv was posted
}

TEST(CpuRuntime, SendsOfOneTagArriveInPostingOrder) {
  std::vector<float> first, second;
  LiveInput in = input_of(2, [&](core::Runtime& rt) {
    core::Tensor a = rt.allocate(floats("a", 3));
    core::Tensor b = rt.allocate(floats("b", 3));
    if (rt.rank() == 0) {
      write(rt, a, {1, 2, 3});
      write(rt, b, {4, 5, 6});
      rt.wait_all({rt.send(a, 1, core::kSendStream, 0), rt.send(b, 1, core::kSendStream, 0)});
    } else {
      rt.wait_all({rt.recv(a, 0, core::kRecvStream, 0), rt.recv(b, 0, core::kRecvStream, 0)});
      first = read(rt, a);
      second = read(rt, b);
    }
    rt.release(a);
    rt.release(b);
  });
  run_live(in);
  EXPECT_EQ(first, (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(second, (std::vector<float>{4, 5, 6}));
}

// Rank r holds (r + 1) * (i + 1) at element i.
std::vector<float> known(int rank, int count) {
  std::vector<float> v(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>((rank + 1) * (i + 1));
  return v;
}

std::vector<std::vector<float>> run_collective(CollectiveKind kind, int ranks, int count) {
  std::vector<std::vector<float>> out(static_cast<std::size_t>(ranks));
  LiveInput in = input_of(ranks, [&](core::Runtime& rt) {
    core::Tensor t = rt.allocate(floats("buf", count));
    write(rt, t, known(rt.rank(), count));
    core::CommGroup group{"g", {}};
    for (int r = 0; r < ranks; ++r) group.ranks.push_back(r);
    rt.wait(rt.collective(kind, group, t, core::kCollectiveStream));
    out[static_cast<std::size_t>(rt.rank())] = read(rt, t);
    rt.release(t);
  });
  const LiveResult result = run_live(in);
  EXPECT_EQ(record(result.records, std::string(core::to_string(kind)) + " g buf").category, "collective");
  return out;
}

TEST(CpuRuntime, AllReduceSumsKnownVectors) {
  constexpr int kRanks = 3, kCount = 1001;  // not a multiple of the ranks
  const auto out = run_collective(CollectiveKind::all_reduce, kRanks, kCount);
  for (int r = 0; r < kRanks; ++r) {
    for (int i = 0; i < kCount; ++i) ASSERT_EQ(out[static_cast<std::size_t>(r)][static_cast<std::size_t>(i)], 6.0f * static_cast<float>(i + 1)) << r << " " << i;
  }
}

TEST(CpuRuntime, ReduceScatterLeavesEachMemberItsSliceOfTheSum) {
  constexpr int kRanks = 2, kCount = 10;
  const auto out = run_collective(CollectiveKind::reduce_scatter, kRanks, kCount);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[0][static_cast<std::size_t>(i)], 3.0f * static_cast<float>(i + 1));
  for (int i = 5; i < 10; ++i) EXPECT_EQ(out[1][static_cast<std::size_t>(i)], 3.0f * static_cast<float>(i + 1));
}

TEST(CpuRuntime, AllGatherAssemblesEveryMembersSlice) {
  constexpr int kRanks = 2, kCount = 6;
  const auto out = run_collective(CollectiveKind::all_gather, kRanks, kCount);
  const std::vector<float> expected = {1, 2, 3, 8, 10, 12};  // rank 0's half, then rank 1's
  EXPECT_EQ(out[0], expected);
  EXPECT_EQ(out[1], expected);
}

TEST(CpuRuntime, BroadcastCopiesTheFirstMember) {
  const auto out = run_collective(CollectiveKind::broadcast, 3, 5);
  for (const auto& v : out) EXPECT_EQ(v, known(0, 5));
}

TEST(CpuRuntime, ReduceLeavesTheSumOnTheFirstMemberOnly) {
  const auto out = run_collective(CollectiveKind::reduce, 2, 4);
  EXPECT_EQ(out[0], (std::vector<float>{3, 6, 9, 12}));
  EXPECT_EQ(out[1], known(1, 4));
}

TEST(CpuRuntime, AllToAllTransposesBlocks) {
  const auto out = run_collective(CollectiveKind::all_to_all, 2, 4);
  // Block j of member m is member j's block m.
  EXPECT_EQ(out[0], (std::vector<float>{1, 2, 2, 4}));
  EXPECT_EQ(out[1], (std::vector<float>{3, 4, 6, 8}));
}

TEST(CpuRuntime, OneStreamRunsInOrderAndStreamsOverlap) {
  LiveInput in = input_of(1, [](core::Runtime& rt) {
    rt.launch(core::KernelOp{"A", "forward", {}, 80}, core::kComputeStream);
    rt.launch(core::KernelOp{"B", "forward", {}, 20}, core::kComputeStream);
    rt.launch(core::KernelOp{"C", "other", {}, 40}, 5);
    rt.synchronize();
  });
  in.execute_op = sleeping_kernel;
  const LiveResult result = run_live(in);
  const auto& a = record(result.records, "A");
  const auto& b = record(result.records, "B");
  const auto& c = record(result.records, "C");
  EXPECT_GE(b.start_s, a.end_s);
  EXPECT_GE(a.end_s - a.start_s, 0.08);
  EXPECT_LT(c.start_s, a.end_s);  // C ran while A was running
  EXPECT_EQ(c.stream, 5);
  EXPECT_GE(result.records.end_time_s, b.end_s);
}

TEST(CpuRuntime, MemoryIsAccountedExactlyAndOutOfMemoryIsRecorded) {
  LiveInput in = input_of(2, [](core::Runtime& rt) {
    if (rt.rank() == 1) return;
    core::Tensor w = rt.allocate(floats("w", 100, core::MemoryTag::weights));        // 400
    core::Tensor a = rt.allocate(floats("a", 200, core::MemoryTag::activations));    // 800 -> 1200
    rt.release(a);                                                                    // 400
    core::Tensor b = rt.allocate(floats("b", 300, core::MemoryTag::activations));    // 1600 (over 1500)
    core::Tensor c = rt.allocate(floats("c", 10, core::MemoryTag::activations));     // 1640
    rt.release(b);
    rt.release(c);
    rt.release(w);
  });
  in.memory_capacity_bytes = 1500;
  const LiveResult result = run_live(in);
  const core::RunRecords& r = result.records;
  ASSERT_EQ(r.peak_bytes_per_rank.size(), 2u);
  EXPECT_EQ(r.peak_bytes_per_rank[0], 1640);
  EXPECT_EQ(r.peak_bytes_per_rank[1], 0);
  EXPECT_EQ(r.peak_bytes_per_rank_tag[0][static_cast<std::size_t>(core::MemoryTag::activations)], 1240);
  std::int64_t net = 0;
  for (const core::MemoryEvent& e : r.memory) net += e.delta_bytes;
  EXPECT_EQ(net, 0);
  EXPECT_EQ(r.memory.back().total_bytes, 0);
  EXPECT_TRUE(r.oom.happened);
  EXPECT_EQ(r.oom.rank, 0);
  EXPECT_EQ(r.oom.requested_bytes, 1200);
  EXPECT_EQ(r.oom.in_use_bytes, 400);
  EXPECT_EQ(r.oom.capacity_bytes, 1500);
}

TEST(CpuRuntime, DeadlockedProgramsEndWithAnErrorNamingRanksAndOps) {
  LiveInput in = input_of(2, [](core::Runtime& rt) {
    core::Tensor t = rt.allocate(floats("x", 4));
    const int peer = 1 - rt.rank();
    rt.wait(rt.recv(t, peer, core::kRecvStream, 3));  // both receive first: nobody sends
    rt.wait(rt.send(t, peer, core::kSendStream, 3));
    rt.release(t);
  });
  in.deadlock_grace_s = 0.2;
  try {
    run_live(in);
    FAIL() << "expected a deadlock";
  } catch (const LiveDeadlockError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("rank 0"), std::string::npos) << what;
    EXPECT_NE(what.find("rank 1"), std::string::npos) << what;
    EXPECT_NE(what.find("recv from rank 1 tag 3"), std::string::npos) << what;
    EXPECT_NE(what.find("recv from rank 0 tag 3"), std::string::npos) << what;
  }
}

TEST(CpuRuntime, AProgramErrorStopsTheRunAndNamesTheRank) {
  LiveInput in = input_of(2, [](core::Runtime& rt) {
    core::Tensor t = rt.allocate(floats("x", 4));
    if (rt.rank() == 1) throw std::runtime_error("boom");
    rt.wait(rt.recv(t, 1, core::kRecvStream, 0));  // would wait forever
  });
  EXPECT_THROW(
      {
        try {
          run_live(in);
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find("rank 1: boom"), std::string::npos) << e.what();
          throw;
        }
      },
      std::runtime_error);
}

TEST(CpuRuntime, MessagesAndDecisionsReachTheirTargets) {
  LiveInput in = input_of(2, [](core::Runtime& rt) {
    if (rt.rank() == 0) {
      rt.post_message(1, core::Message{-1, "hello", 16, "payload"});
      rt.log_decision("sent", "hello");
    } else {
      const std::optional<core::Message> m = rt.receive_message(-1);
      ASSERT_TRUE(m.has_value());
      EXPECT_EQ(m->from, 0);
      EXPECT_EQ(m->payload, "payload");
      EXPECT_FALSE(rt.receive_message(0.01).has_value());
      rt.log_decision("got", m->type);
    }
  });
  const LiveResult result = run_live(in);
  ASSERT_EQ(result.records.decisions.size(), 2u);
}

TEST(CpuRuntime, RealKernelsReportOneTimePerPart) {
  LiveInput in = input_of(1, [](core::Runtime& rt) {
    core::KernelOp op{"layer", "forward", {}, 0};
    op.parts.push_back(core::gemm_part(64, 64, 64, core::DType::fp32));
    core::AttentionShape attn;
    attn.seqs = {{32, 96}, {16, 16}};
    attn.heads_q = 4;
    attn.heads_kv = 2;
    attn.head_dim = 32;
    op.parts.push_back(attn);
    attn.backward = true;
    op.parts.push_back(attn);
    op.parts.push_back(core::ElementwiseShape{"rmsnorm", 4096, 4, 8});
    op.parts.push_back(core::SpmmShape{128, 8, 64, 0.8, core::DType::fp16});
    op.parts.push_back(core::CollectiveShape{core::CollectiveKind::all_reduce, 4096, 2, 1});
    rt.run(op);
  });
  const LiveResult result = run_live(in);
  ASSERT_EQ(result.parts.size(), 6u);
  for (const PartTiming& p : result.parts) {
    EXPECT_GT(p.seconds, 0);
    EXPECT_EQ(p.op_name, "layer");
  }
  const core::TimelineRecord& rec = record(result.records, "layer");
  EXPECT_GT(rec.flops, 0);
  double sum = 0;
  for (const PartTiming& p : result.parts) sum += p.seconds;
  EXPECT_LE(sum, rec.end_s - rec.start_s + 1e-6);
}

}  // namespace
}  // namespace lcperf::backends::cpu
