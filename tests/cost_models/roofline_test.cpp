// Roofline pricing of compute ops against hand-computed times (flat efficiencies).
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_test_support.hpp"

namespace lcperf::cost {
namespace {

using testing::flat_profile;
using testing::h200_hardware;
using testing::kFlatCompute;
using testing::kFlatMemory;
using testing::kFlatMinLatency;

constexpr double kPeak = 989.4e12;
constexpr double kHbm = 4.8e12;

void expect_rel(double actual, double expected, double tolerance = 1e-9) {
  EXPECT_NEAR(actual, expected, std::fabs(expected) * tolerance) << "actual " << actual << " expected " << expected;
}

core::AttentionShape attention(std::int64_t q, std::int64_t kv, int heads_q, int heads_kv, core::AttentionMask mask) {
  core::AttentionShape a;
  a.seqs = {{q, kv}};
  a.heads_q = heads_q;
  a.heads_kv = heads_kv;
  a.head_dim = 128;
  a.mask = mask;
  return a;
}

TEST(CostRoofline, BigGemmIsComputeBound) {
  const CostModel model(h200_hardware(), flat_profile());
  const core::GemmShape g{8192, 8192, 8192, 1, core::DType::bf16};
  const OpCost c = model.cost(g);
  const double flops = 2.0 * 8192.0 * 8192.0 * 8192.0;
  EXPECT_EQ(c.flops, flops);
  expect_rel(c.time_s, flops / (kPeak * kFlatCompute));
  EXPECT_EQ(c.model, "roofline:gemm:compute");
}

TEST(CostRoofline, SkinnyDecodeGemmIsMemoryBound) {
  const CostModel model(h200_hardware(), flat_profile());
  const core::GemmShape g{16, 4096, 4096, 1, core::DType::bf16};
  const OpCost c = model.cost(g);
  const double bytes = (16.0 * 4096 + 4096.0 * 4096 + 16.0 * 4096) * 2.0;
  EXPECT_EQ(c.bytes, bytes);
  expect_rel(c.time_s, bytes / (kHbm * kFlatMemory));
  EXPECT_GT(c.time_s, kFlatMinLatency);
  EXPECT_EQ(c.model, "roofline:gemm:memory");
}

TEST(CostRoofline, TinyOpHitsLatencyFloor) {
  const CostModel model(h200_hardware(), flat_profile());
  const OpCost c = model.cost(core::GemmShape{64, 64, 64, 1, core::DType::bf16});
  EXPECT_EQ(c.time_s, kFlatMinLatency);
  EXPECT_EQ(c.model, "roofline:gemm:latency");
  EXPECT_EQ(model.time_s(core::OpPart{core::GemmShape{0, 0, 0, 1, core::DType::bf16}}), kFlatMinLatency);
}

TEST(CostRoofline, CausalAttentionCountsUnmaskedPairsOnly) {
  const std::int64_t s = 4096;
  const auto causal = attention(s, s, 32, 32, core::AttentionMask::causal);
  const auto full = attention(s, s, 32, 32, core::AttentionMask::full);
  EXPECT_EQ(core::attention_score_pairs(causal), static_cast<double>(s) * (s + 1) / 2.0);
  EXPECT_EQ(core::attention_score_pairs(full), static_cast<double>(s) * s);
  const double full_flops = 4.0 * 32 * 128 * static_cast<double>(s) * s;
  EXPECT_EQ(core::flops_of(full), full_flops);
  expect_rel(core::flops_of(causal), full_flops * (s + 1) / (2.0 * s), 1e-15);

  const CostModel model(h200_hardware(), flat_profile());
  expect_rel(model.cost(causal).time_s, core::flops_of(causal) / (kPeak * kFlatCompute));
}

TEST(CostRoofline, ChunkedPrefillUsesBottomRightMask) {
  // 1024 new queries after 3072 cached keys: each sees the cache plus its causal prefix.
  const auto chunk = attention(1024, 4096, 8, 8, core::AttentionMask::causal);
  EXPECT_EQ(core::attention_score_pairs(chunk), 1024.0 * 3072 + 1024.0 * 1025 / 2);
}

TEST(CostRoofline, GqaReducesBytesNotFlops) {
  const auto mha = attention(8192, 8192, 64, 64, core::AttentionMask::causal);
  const auto gqa = attention(8192, 8192, 64, 8, core::AttentionMask::causal);
  EXPECT_EQ(core::flops_of(mha), core::flops_of(gqa));
  // K and V of 56 fewer kv heads, bf16.
  EXPECT_EQ(core::bytes_of(mha) - core::bytes_of(gqa), 2.0 * 8192 * (64 - 8) * 128 * 2);
  const CostModel model(h200_hardware(), flat_profile());
  EXPECT_EQ(model.cost(mha).time_s, model.cost(gqa).time_s);  // compute-bound either way
}

TEST(CostRoofline, BackwardIsTwoAndAHalfForward) {
  auto fwd = attention(8192, 8192, 64, 8, core::AttentionMask::causal);
  auto bwd = fwd;
  bwd.backward = true;
  EXPECT_EQ(core::flops_of(bwd), 2.5 * core::flops_of(fwd));
  const CostModel model(h200_hardware(), flat_profile());
  const OpCost c = model.cost(bwd);
  EXPECT_EQ(c.model, "roofline:attention_bwd:compute");
  expect_rel(c.time_s, 2.5 * model.cost(fwd).time_s);
}

TEST(CostRoofline, PackedAttentionUsesEachSequencesEfficiency) {
  DeviceProfile profile = flat_profile();
  // 0.4 at 1K, 0.6 at 4K: linear in log2, so 0.5 at 2K.
  profile.of(OpClass::attention_fwd).compute_efficiency = {SizeVariable::kv_len, {{1024, 0.4}, {4096, 0.6}}};
  const CostModel model(h200_hardware(), profile);
  core::AttentionShape a = attention(2048, 2048, 32, 8, core::AttentionMask::causal);
  a.seqs.push_back({8192, 8192});
  const double flops_2k = 4.0 * 32 * 128 * (2048.0 * 2049 / 2);
  const double flops_8k = 4.0 * 32 * 128 * (8192.0 * 8193 / 2);
  expect_rel(model.cost(a).time_s, flops_2k / (kPeak * 0.5) + flops_8k / (kPeak * 0.6));
}

TEST(CostRoofline, FullMaskCurveAppliesToNonCausalAttention) {
  DeviceProfile profile = flat_profile();
  profile.of(OpClass::attention_fwd).compute_efficiency_full_mask = EfficiencyCurve::constant(SizeVariable::kv_len, 0.5);
  const CostModel model(h200_hardware(), profile);
  const auto full = attention(4096, 4096, 32, 32, core::AttentionMask::full);
  const auto causal = attention(4096, 4096, 32, 32, core::AttentionMask::causal);
  expect_rel(model.cost(full).time_s, core::flops_of(full) / (kPeak * 0.5));
  expect_rel(model.cost(causal).time_s, core::flops_of(causal) / (kPeak * kFlatCompute));
}

TEST(CostRoofline, PagedDecodeIsMemoryBound) {
  core::AttentionShape a = attention(1, 32768, 64, 8, core::AttentionMask::causal);
  a.seqs.assign(64, {1, 32768});
  a.paged_decode = true;
  const CostModel model(h200_hardware(), flat_profile());
  const OpCost c = model.cost(a);
  EXPECT_EQ(c.model, "roofline:attention_decode:memory");
  expect_rel(c.time_s, core::bytes_of(a) / (kHbm * kFlatMemory));
}

TEST(CostRoofline, ElementwiseAndMemcpy) {
  const CostModel model(h200_hardware(), flat_profile());
  const core::ElementwiseShape norm{"rmsnorm", 1 << 26, 4.0, 6.0};
  expect_rel(model.time_s(core::OpPart{norm}), (1 << 26) * 6.0 / (kHbm * kFlatMemory));
  const double gib = 1024.0 * 1024 * 1024;
  expect_rel(model.memcpy_time_s(gib), 2 * gib / (kHbm * kFlatMemory));
  EXPECT_EQ(model.cost(core::ElementwiseShape{"copy", 1 << 30, 0.0, 2.0}).model, "roofline:memcpy:memory");
}

TEST(CostRoofline, SpmmSavesBytesInTheSkinnyRegime) {
  DeviceProfile profile = flat_profile();
  profile.of(OpClass::spmm).extraction = SpmmExtraction{1e15, 1.0, 128};  // negligible here
  const CostModel model(h200_hardware(), profile);
  const core::SpmmShape sparse{8192, 16, 8192, 0.8, core::DType::fp16};
  const OpCost c = model.cost(sparse);
  EXPECT_EQ(c.model, "roofline:spmm:memory");
  expect_rel(c.time_s, core::bytes_of(sparse) / (kHbm * kFlatMemory));
  const double dense = model.time_s(core::OpPart{core::GemmShape{8192, 16, 8192, 1, core::DType::fp16}});
  // Ideal byte ratio at 80% sparsity is 2.5x (4 bytes per non-zero vs 2 per element).
  EXPECT_NEAR(dense / c.time_s, 2.5, 0.05);
}

TEST(CostRoofline, SpmmExtractionTermCanBind) {
  DeviceProfile profile = flat_profile();
  profile.of(OpClass::spmm).extraction = SpmmExtraction{1e12, 1.5, 128};
  const CostModel model(h200_hardware(), profile);
  const core::SpmmShape s{8192, 256, 8192, 0.8, core::DType::fp16};
  const double dense = 8192.0 * 8192.0;
  // Two N tiles, each zero-fills and reads A (2 x 2 bytes x M x K) and scatters the non-zeros.
  const double expected = 2 * (2 * dense * 2 + 0.2 * dense * 2 * 1.5) / 1e12;
  const OpCost c = model.cost(s);
  EXPECT_EQ(c.model, "roofline:spmm:extraction");
  expect_rel(c.time_s, expected);
}

TEST(CostRoofline, KernelOpSumsItsParts) {
  const CostModel model(h200_hardware(), flat_profile());
  core::KernelOp op;
  op.parts = {core::GemmShape{8192, 8192, 8192, 1, core::DType::bf16}, core::GemmShape{64, 64, 64, 1, core::DType::bf16},
              core::ElementwiseShape{"add", 1 << 20, 1.0, 6.0}};
  double sum = 0;
  for (const core::OpPart& p : op.parts) sum += model.time_s(p);
  EXPECT_EQ(model.time_s(op), sum);
}

TEST(CostRoofline, InvalidShapesAreInputErrors) {
  const CostModel model(h200_hardware(), flat_profile());
  EXPECT_THROW(model.cost(core::GemmShape{-1, 4, 4, 1, core::DType::bf16}), core::InputError);
  EXPECT_THROW(model.cost(attention(4096, 1024, 8, 8, core::AttentionMask::causal)), core::InputError);
  EXPECT_THROW(model.cost(attention(64, 64, 12, 8, core::AttentionMask::causal)), core::InputError);
  EXPECT_THROW(model.cost(core::SpmmShape{8, 8, 8, 1.0, core::DType::fp16}), core::InputError);
  core::HardwareSpec no_bw = h200_hardware();
  no_bw.hbm_bandwidth_bytes_per_s = 0;
  EXPECT_THROW(CostModel(no_bw, flat_profile()), core::InputError);
}

TEST(CostCurve, InterpolatesInLog2AndClamps) {
  const EfficiencyCurve curve{SizeVariable::flops, {{1024, 0.2}, {4096, 0.6}, {65536, 0.8}}};
  EXPECT_DOUBLE_EQ(curve.at(1), 0.2);
  EXPECT_DOUBLE_EQ(curve.at(0), 0.2);
  EXPECT_DOUBLE_EQ(curve.at(1024), 0.2);
  EXPECT_DOUBLE_EQ(curve.at(2048), 0.4);
  EXPECT_DOUBLE_EQ(curve.at(4096), 0.6);
  EXPECT_DOUBLE_EQ(curve.at(16384), 0.7);
  EXPECT_DOUBLE_EQ(curve.at(1e12), 0.8);
}

}  // namespace
}  // namespace lcperf::cost
