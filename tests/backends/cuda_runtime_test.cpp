// The live CUDA runtime against hand-computed expectations: real bytes move between
// ranks (single-GPU mode: ranks are streams of one device), collectives compute what
// the CPU backend computes, streams keep their order, memory is accounted exactly with
// the OOM record, and a deadlock ends in an error. Every test skips without a GPU; the
// multi-GPU ones also without two GPUs (and NCCL for the NCCL transport).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cuda_test_support.hpp"

namespace lcperf::backends::cuda {
namespace {

using core::CollectiveKind;
using test::floats;
using test::input_of;
using test::read_floats;
using test::record;
using test::write_floats;

TEST(CudaRuntime, SendMovesTheSendersBytesOnOneGpu) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  constexpr int kCount = 4099;
  std::vector<float> received;
  backends::LiveInput in = input_of(2, [&](core::Runtime& rt) {
    core::Tensor t = rt.allocate(floats("payload", kCount));
    if (rt.rank() == 0) {
      std::vector<float> values(kCount);
      for (int i = 0; i < kCount; ++i) values[static_cast<std::size_t>(i)] = 1.5f * static_cast<float>(i) - 7.0f;
      write_floats(rt, t, values);
      // Eager: the send completes although rank 1 posts its recv only later.
      rt.wait(rt.send(t, 1, core::kSendStream, 7));
      // The sender may overwrite its buffer at once: the payload was staged.
      write_floats(rt, t, std::vector<float>(kCount, -1.0f));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      rt.wait(rt.recv(t, 0, core::kRecvStream, 7));
      received = read_floats(rt, t);
    }
    rt.release(t);
  });
  const backends::LiveResult result = run_live_cuda(in, test::one_gpu(2));
  ASSERT_EQ(received.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(received[static_cast<std::size_t>(i)], 1.5f * static_cast<float>(i) - 7.0f) << i;
  const core::TimelineRecord& send = record(result.records, "send payload to 1");
  const core::TimelineRecord& recv = record(result.records, "recv payload from 0");
  EXPECT_EQ(send.category, "p2p");
  EXPECT_EQ(send.bytes, kCount * 4.0);
  EXPECT_EQ(recv.stream, core::kRecvStream);
  EXPECT_LT(send.end_s, recv.start_s);  // done before the receiver even posted
  EXPECT_LE(recv.start_s, recv.end_s);
}

TEST(CudaRuntime, MessagesOnOneChannelArriveInPostingOrder) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  std::vector<float> first, second, other_tag;
  backends::LiveInput in = input_of(2, [&](core::Runtime& rt) {
    core::Tensor a = rt.allocate(floats("a", 8)), b = rt.allocate(floats("b", 8)), c = rt.allocate(floats("c", 8));
    if (rt.rank() == 0) {
      write_floats(rt, a, std::vector<float>(8, 1.0f));
      write_floats(rt, b, std::vector<float>(8, 2.0f));
      write_floats(rt, c, std::vector<float>(8, 3.0f));
      rt.send(c, 1, core::kSendStream, 5);
      rt.send(a, 1, core::kSendStream, 0);
      rt.send(b, 1, core::kSendStream, 0);
      rt.synchronize();
    } else {
      rt.recv(a, 0, core::kRecvStream, 0);
      rt.recv(b, 0, core::kRecvStream, 0);
      rt.recv(c, 0, core::kRecvStream, 5);
      rt.synchronize();
      first = read_floats(rt, a);
      second = read_floats(rt, b);
      other_tag = read_floats(rt, c);
    }
  });
  run_live_cuda(in, test::one_gpu(2));
  EXPECT_EQ(first, std::vector<float>(8, 1.0f));
  EXPECT_EQ(second, std::vector<float>(8, 2.0f));
  EXPECT_EQ(other_tag, std::vector<float>(8, 3.0f));
}

// Rank r holds 100 r + i at element i; each collective's result is computed here from
// that closed form (root = member 0, slices of elements / n, as the CPU backend does).
std::vector<float> expected(CollectiveKind kind, int member, int n, int elements) {
  const auto value = [](int r, int i) { return 100.0f * static_cast<float>(r) + static_cast<float>(i); };
  const auto sum = [&](int i) {
    float s = 0;
    for (int r = 0; r < n; ++r) s += value(r, i);
    return s;
  };
  const int slice = elements / n;
  std::vector<float> out(static_cast<std::size_t>(elements));
  for (int i = 0; i < elements; ++i) {
    const int owner = i / slice;
    float v = value(member, i);
    switch (kind) {
      case CollectiveKind::all_reduce: v = sum(i); break;
      case CollectiveKind::reduce: v = member == 0 ? sum(i) : v; break;
      case CollectiveKind::reduce_scatter: v = owner == member ? sum(i) : v; break;
      case CollectiveKind::all_gather: v = value(owner, i); break;
      case CollectiveKind::broadcast: v = value(0, i); break;
      case CollectiveKind::all_to_all: v = value(owner, member * slice + i % slice); break;
    }
    out[static_cast<std::size_t>(i)] = v;
  }
  return out;
}

void check_collectives(const CudaOptions& options, int n) {
  constexpr int kElements = 24;  // divisible by 2, 3 and 4
  const CollectiveKind kinds[] = {CollectiveKind::all_reduce, CollectiveKind::reduce, CollectiveKind::reduce_scatter,
                                  CollectiveKind::all_gather, CollectiveKind::broadcast, CollectiveKind::all_to_all};
  std::vector<std::vector<std::vector<float>>> got(std::size(kinds), std::vector<std::vector<float>>(static_cast<std::size_t>(n)));
  core::CommGroup group{"tp", {}};
  for (int r = 0; r < n; ++r) group.ranks.push_back(r);
  backends::LiveInput in = input_of(n, [&](core::Runtime& rt) {
    core::Tensor t = rt.allocate(floats("grad", kElements));
    std::vector<float> mine(kElements);
    for (int i = 0; i < kElements; ++i) mine[static_cast<std::size_t>(i)] = 100.0f * static_cast<float>(rt.rank()) + static_cast<float>(i);
    for (std::size_t k = 0; k < std::size(kinds); ++k) {
      write_floats(rt, t, mine);
      rt.wait(rt.collective(kinds[k], group, t, core::kCollectiveStream));
      got[k][static_cast<std::size_t>(rt.rank())] = read_floats(rt, t);
    }
    rt.release(t);
  });
  const backends::LiveResult result = run_live_cuda(in, options);
  for (std::size_t k = 0; k < std::size(kinds); ++k) {
    for (int r = 0; r < n; ++r) {
      EXPECT_EQ(got[k][static_cast<std::size_t>(r)], expected(kinds[k], r, n, kElements))
          << core::to_string(kinds[k]) << " member " << r;
    }
  }
  const core::TimelineRecord& all_reduce = record(result.records, "all_reduce tp grad", 0);
  EXPECT_EQ(all_reduce.category, "collective");
  EXPECT_EQ(all_reduce.bytes, kElements * 4.0);
}

TEST(CudaRuntime, CollectivesOnOneGpuComputeWhatTheyShould) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  check_collectives(test::one_gpu(3), 3);
}

TEST(CudaRuntime, CollectivesOverNcclComputeTheSame) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  if (!built_with_nccl()) GTEST_SKIP() << "built without NCCL";
  if (test::visible_gpus() < 2) GTEST_SKIP() << "needs two GPUs";
  CudaOptions o;
  o.device_of_rank = {0, 1};
  o.transport = CudaTransport::nccl;
  check_collectives(o, 2);
}

TEST(CudaRuntime, AllReduceSumsBf16AndWrapsByteCounts) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  std::vector<std::byte> bf16_sum, byte_sum;
  const core::CommGroup group{"dp", {0, 1}};
  backends::LiveInput in = input_of(2, [&](core::Runtime& rt) {
    // bf16 1.5 = 0x3FC0, 2.25 = 0x4010; their sum 3.75 = 0x4070 (exact in bf16).
    core::Tensor h = rt.allocate(core::TensorDesc{"h", {4}, core::DType::bf16, core::MemoryTag::other});
    const std::uint16_t mine = rt.rank() == 0 ? 0x3FC0 : 0x4010;
    std::vector<std::byte> bytes(8);
    for (int i = 0; i < 4; ++i) std::memcpy(bytes.data() + 2 * i, &mine, 2);
    write_tensor(rt, h, bytes);
    // fp8 byte-count tensors sum as wrapping bytes: 200 + 100 = 44 (mod 256).
    core::Tensor b = rt.allocate(core::bytes_tensor("counts", 3, core::MemoryTag::other));
    write_tensor(rt, b, std::vector<std::byte>(3, std::byte{static_cast<unsigned char>(rt.rank() == 0 ? 200 : 100)}));
    rt.wait(rt.collective(CollectiveKind::all_reduce, group, h, core::kCollectiveStream));
    rt.wait(rt.collective(CollectiveKind::all_reduce, group, b, core::kCollectiveStream));
    if (rt.rank() == 1) {
      bf16_sum = read_tensor(rt, h);
      byte_sum = read_tensor(rt, b);
    }
  });
  run_live_cuda(in, test::one_gpu(2));
  ASSERT_EQ(bf16_sum.size(), 8u);
  for (int i = 0; i < 4; ++i) {
    std::uint16_t v = 0;
    std::memcpy(&v, bf16_sum.data() + 2 * i, 2);
    EXPECT_EQ(v, 0x4070) << i;
  }
  EXPECT_EQ(byte_sum, std::vector<std::byte>(3, std::byte{44}));
}

TEST(CudaRuntime, P2pOverNcclIsEagerAcrossGpus) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  if (!built_with_nccl()) GTEST_SKIP() << "built without NCCL";
  if (test::visible_gpus() < 2) GTEST_SKIP() << "needs two GPUs";
  std::vector<float> received;
  backends::LiveInput in = input_of(2, [&](core::Runtime& rt) {
    core::Tensor t = rt.allocate(floats("x", 1000));
    if (rt.rank() == 0) {
      std::vector<float> v(1000);
      for (int i = 0; i < 1000; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(i * i);
      write_floats(rt, t, v);
      rt.wait(rt.send(t, 1, core::kSendStream));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      rt.wait(rt.recv(t, 0, core::kRecvStream));
      received = read_floats(rt, t);
    }
  });
  CudaOptions o;
  o.device_of_rank = {0, 1};
  o.transport = CudaTransport::nccl;
  const backends::LiveResult result = run_live_cuda(in, o);
  ASSERT_EQ(received.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(received[static_cast<std::size_t>(i)], static_cast<float>(i * i));
  EXPECT_LT(record(result.records, "send x to 1").end_s, record(result.records, "recv x from 0").start_s);
}

TEST(CudaRuntime, StreamsRunTheirWorkInOrder) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  std::vector<float> received;
  backends::LiveInput in = input_of(2, [&](core::Runtime& rt) {
    core::Tensor t = rt.allocate(floats("act", 64));
    if (rt.rank() == 0) {
      write_floats(rt, t, std::vector<float>(64, 3.0f));
      // Kernel, kernel, send on one stream: each starts after the previous ends.
      rt.launch(test::gemm_op("first"), core::kSendStream);
      rt.launch(test::gemm_op("second"), core::kSendStream);
      rt.send(t, 1, core::kSendStream);
      rt.synchronize();
    } else {
      rt.recv(t, 0, core::kRecvStream);
      rt.launch(test::gemm_op("after recv"), core::kRecvStream);
      rt.synchronize();
      received = read_floats(rt, t);
    }
  });
  const backends::LiveResult result = run_live_cuda(in, test::one_gpu(2));
  const core::RunRecords& r = result.records;
  const auto& first = record(r, "first");
  const auto& second = record(r, "second");
  const auto& send = record(r, "send act to 1");
  const auto& recv = record(r, "recv act from 0");
  const auto& after = record(r, "after recv");
  EXPECT_LT(first.start_s, first.end_s);
  EXPECT_GE(second.start_s, first.end_s);
  EXPECT_GE(send.start_s, second.end_s);
  EXPECT_GE(recv.end_s, send.end_s);  // the data flowed only once the sender's stream got there
  EXPECT_GE(after.start_s, recv.end_s);
  EXPECT_EQ(received, std::vector<float>(64, 3.0f));
  EXPECT_DOUBLE_EQ(first.flops, 2.0 * 2048 * 2048 * 2048);
  // Part timings: one per part, each inside its record.
  int parts = 0;
  for (const backends::PartTiming& p : result.parts) {
    if (p.op_name != "first") continue;
    ++parts;
    EXPECT_GT(p.seconds, 0.0);
    EXPECT_LE(p.seconds, first.end_s - first.start_s + 1e-6);
  }
  EXPECT_EQ(parts, 1);
}

TEST(CudaRuntime, EveryKindOfPartRunsAndIsTimed) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  core::KernelOp op;
  op.name = "region";
  op.category = "forward";
  op.parts.push_back(core::GemmShape{256, 512, 128, 2, core::DType::fp16});
  core::AttentionShape attn;
  attn.seqs = {{300, 300}, {64, 512}};
  attn.heads_q = 8;
  attn.heads_kv = 2;
  attn.head_dim = 128;
  op.parts.push_back(attn);
  core::AttentionShape decode = attn;
  decode.seqs = {{1, 700}, {1, 33}};
  decode.paged_decode = true;
  op.parts.push_back(decode);
  op.parts.push_back(core::ElementwiseShape{"rmsnorm", 1 << 20, 4.0, 4.0});
  op.parts.push_back(core::SpmmShape{256, 16, 256, 0.8, core::DType::fp16});
  op.parts.push_back(core::CollectiveShape{CollectiveKind::all_reduce, 1 << 20, 4, 1});
  backends::LiveInput in = input_of(1, [&](core::Runtime& rt) { rt.run(op); });
  const backends::LiveResult result = run_live_cuda(in, test::one_gpu(1));
  ASSERT_EQ(result.parts.size(), op.parts.size());
  const core::TimelineRecord& rec = record(result.records, "region");
  double total = 0;
  for (std::size_t i = 0; i < result.parts.size(); ++i) {
    EXPECT_EQ(result.parts[i].part_index, static_cast<int>(i));
    EXPECT_TRUE(result.parts[i].part == op.parts[i]) << i;
    EXPECT_GT(result.parts[i].seconds, 0.0) << i;
    total += result.parts[i].seconds;
  }
  // The parts tile the record: their sum is its duration (event timing resolution).
  EXPECT_NEAR(total, rec.end_s - rec.start_s, 1e-5);
}

TEST(CudaRuntime, MemoryIsAccountedPerTagAndOomIsRecorded) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  constexpr std::int64_t kKiB = 1024;
  backends::LiveInput in = input_of(1, [&](core::Runtime& rt) {
    core::Tensor w = rt.allocate(core::bytes_tensor("weights", 512 * kKiB, core::MemoryTag::weights));
    core::Tensor a = rt.allocate(core::bytes_tensor("act0", 256 * kKiB, core::MemoryTag::activations));
    rt.release(a);
    // 512 + 768 KiB > 1 MiB: recorded, and the run goes on.
    core::Tensor b = rt.allocate(core::bytes_tensor("act1", 768 * kKiB, core::MemoryTag::activations));
    rt.release(b);
    rt.release(w);
  });
  in.memory_capacity_bytes = 1024 * kKiB;
  const backends::LiveResult result = run_live_cuda(in, test::one_gpu(1));
  const core::RunRecords& r = result.records;
  ASSERT_EQ(r.peak_bytes_per_rank.size(), 1u);
  EXPECT_EQ(r.peak_bytes_per_rank[0], 1280 * kKiB);
  EXPECT_EQ(r.peak_bytes_per_rank_tag[0][static_cast<std::size_t>(core::MemoryTag::weights)], 512 * kKiB);
  EXPECT_EQ(r.peak_bytes_per_rank_tag[0][static_cast<std::size_t>(core::MemoryTag::activations)], 768 * kKiB);
  ASSERT_TRUE(r.oom.happened);
  EXPECT_EQ(r.oom.rank, 0);
  EXPECT_EQ(r.oom.tag, core::MemoryTag::activations);
  EXPECT_EQ(r.oom.requested_bytes, 768 * kKiB);
  EXPECT_EQ(r.oom.in_use_bytes, 512 * kKiB);
  EXPECT_EQ(r.oom.capacity_bytes, 1024 * kKiB);
  ASSERT_EQ(r.memory.size(), 6u);
  EXPECT_EQ(r.memory.back().total_bytes, 0);
}

TEST(CudaRuntime, ReleasingTwiceIsAnError) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  backends::LiveInput in = input_of(1, [&](core::Runtime& rt) {
    core::Tensor t = rt.allocate(floats("x", 4));
    core::Tensor copy = t;
    rt.release(t);
    rt.release(copy);
  });
  try {
    run_live_cuda(in, test::one_gpu(1));
    FAIL() << "double release went unnoticed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("rank 0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("twice"), std::string::npos) << e.what();
  }
}

TEST(CudaRuntime, WaitingOnEachOtherIsReportedAsDeadlock) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  backends::LiveInput in = input_of(2, [&](core::Runtime& rt) {
    core::Tensor t = rt.allocate(floats("x", 4));
    const int peer = 1 - rt.rank();
    rt.wait(rt.recv(t, peer, core::kRecvStream));  // both wait before either sends
    rt.wait(rt.send(t, peer, core::kSendStream));
  });
  in.deadlock_grace_s = 0.2;
  try {
    run_live_cuda(in, test::one_gpu(2));
    FAIL() << "deadlock not detected";
  } catch (const backends::LiveDeadlockError& e) {
    EXPECT_NE(std::string(e.what()).find("recv from rank"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lcperf::backends::cuda
