// Vertical-slash sparse attention priced from what the kernel executes
// (core::vertical_slash_work, cost_models/block_sparse_attention.hpp): a small
// configuration by hand (keys computed, FLOPs, bytes, time), more budget -> more time,
// and a budget covering every key recovers the dense cost.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <variant>

#include "core/qwen1m_attention.hpp"
#include "cost_models/block_sparse_attention.hpp"
#include "cost_models/index_build_walk.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_test_support.hpp"

namespace lcperf::cost {
namespace {

using testing::flat_profile;
using testing::h200_hardware;

constexpr double kPeak = 989.4e12;

void expect_rel(double actual, double expected, double tolerance = 1e-9) {
  EXPECT_NEAR(actual, expected, std::fabs(expected) * tolerance) << "actual " << actual << " expected " << expected;
}

// Full-mask efficiency rising with the keys a row loop runs over; causal lower; no floor.
DeviceProfile curved_profile() {
  DeviceProfile p = flat_profile();
  OpClassProfile& fwd = p.of(OpClass::attention_fwd);
  fwd.compute_efficiency = EfficiencyCurve{SizeVariable::kv_len, {{256, 0.2}, {4096, 0.5}}};
  fwd.compute_efficiency_full_mask = EfficiencyCurve{SizeVariable::kv_len, {{256, 0.3}, {4096, 0.6}}};
  fwd.min_latency_s = 0;  // the hand case is a tiny kernel
  return p;
}

core::AttentionShape base_attention() {
  core::AttentionShape a;
  a.heads_q = 32;  // enough query heads for the hand case to be compute-bound
  a.heads_kv = 2;
  a.head_dim = 128;
  return a;
}

core::LongContextOptions sparse(std::int64_t v, std::int64_t s) {
  core::LongContextOptions o;
  o.sparse_attention = true;
  o.sparse_min_context = 0;
  o.vertical_budget = v;
  o.slash_budget = s;
  return o;
}

double parts_time(const CostModel& model, const std::vector<core::OpPart>& parts) {
  double t = 0;
  for (const core::OpPart& p : parts) t += model.time_s(p);
  return t;
}

TEST(BlockSparseAttention, OneQueryBlockByHand) {
  // 64 queries, the last of 1024 keys; v = s = 100. The 100 slashes cover columns
  // [1024 - 64 - 99, 1024): 163 wide -> 3 tiles = 192 keys. Verticals spread over 1024
  // keys, 192/1024 of them inside those tiles: 81.25 left -> 2 gathered groups = 128 keys.
  const core::VerticalSlashWork w = core::vertical_slash_work(64, 1024, 100, 100);
  EXPECT_DOUBLE_EQ(w.unmasked_pairs, 64.0 * 961 + 64.0 * 63 / 2);
  EXPECT_DOUBLE_EQ(w.tile_pairs, 64.0 * 192);
  EXPECT_DOUBLE_EQ(w.gathered_pairs, 64.0 * 128);
  EXPECT_DOUBLE_EQ(w.index_steps, 200.0);
  EXPECT_DOUBLE_EQ(w.density(), 64.0 * 320 / (64.0 * 961 + 2016));
  EXPECT_DOUBLE_EQ(w.gathered_fraction(), 0.4);

  const core::LongContextOptions o = sparse(100, 100);
  const std::vector<core::OpPart> parts = core::long_context_prefill_parts(base_attention(), 64, 1024, 1024, o);
  const auto& a = std::get<core::AttentionShape>(parts.front());
  EXPECT_EQ(a.sparse_block, 64);
  // FLOPs: 4 x heads x d x executed pairs; bytes: Q, K, V, O and LSE as for dense.
  EXPECT_DOUBLE_EQ(core::flops_of(a), 4.0 * 32 * 128 * 64 * 320);
  EXPECT_DOUBLE_EQ(core::bytes_of(a), (64.0 * 32 * 128 * 2) * 2 + 2.0 * 1024 * 2 * 128 * 2 + 64.0 * 32 * 4);
  // Time: full-mask efficiency at 320 keys a row, gathered keys at 1.14 a key.
  const CostModel model(h200_hardware(), curved_profile());
  const double e320 = 0.3 + 0.3 * std::log2(320.0 / 256) / std::log2(4096.0 / 256);
  const double compute = core::flops_of(a) / (kPeak * e320) * (1 + 0.4 * (kGatheredKeyCost - 1));
  ASSERT_GT(compute, core::bytes_of(a) / (4.8e12 * testing::kFlatMemory));  // compute-bound
  expect_rel(model.time_s(core::OpPart{a}), compute);
}

TEST(BlockSparseAttention, SmallTilesCostSharedMemoryTime) {
  // The same hand case on a GPU whose profile states its shared-memory bandwidth: the
  // 64-row tile reads 1/16 - 1/32 = 1/32 byte per FLOP more than the dense kernel's,
  // serialised after the tensor time.
  DeviceProfile p = curved_profile();
  p.of(OpClass::spmm).extraction.smem_bytes_per_s = 1.5e13;
  const CostModel model(h200_hardware(), p);
  const CostModel without(h200_hardware(), curved_profile());
  const auto parts = core::long_context_prefill_parts(base_attention(), 64, 1024, 1024, sparse(100, 100));
  const core::OpPart& a = parts.front();
  expect_rel(model.time_s(a), without.time_s(a) + core::flops_of(a) / 32.0 / 1.5e13);
}

TEST(BlockSparseAttention, IndexBuildingIsASerialWalk) {
  // 8192 queries = 128 query blocks x 32 heads = 4096 walks of v + s = 1000 + 6096 steps
  // each (every block sees at least 7096 of the 131072 keys). On 100 SMs at 1 GHz
  // (1.28e13 B/s of shared memory = 128 B per clock per SM) they fit one wave:
  // 7096 steps x 40 cycles / 1e9 Hz.
  const auto parts = core::long_context_prefill_parts(base_attention(), 8192, 131072, 131072, sparse(1000, 6096));
  const core::ElementwiseShape* build = nullptr;
  for (const core::OpPart& part : parts) {
    const auto* e = std::get_if<core::ElementwiseShape>(&part);
    if (e != nullptr && e->kind == "sparse_index_build") build = e;
  }
  ASSERT_NE(build, nullptr);
  EXPECT_EQ(build->elements, 128 * 32);
  EXPECT_DOUBLE_EQ(build->flops_per_element, 2.0 * 7096);
  EXPECT_DOUBLE_EQ(index_build_walk_s(*build, 100, 1e9), 7096 * kIndexStepCycles / 1e9);
  // Twice the SMs' resident threads: two waves.
  core::ElementwiseShape many = *build;
  many.elements = static_cast<std::int64_t>(2 * kWalkThreadsPerSm * 100);
  EXPECT_DOUBLE_EQ(index_build_walk_s(many, 100, 1e9), 2 * 7096 * kIndexStepCycles / 1e9);
  // The cost model prices the walk where the profile gives SM count and clock.
  DeviceProfile p = curved_profile();
  p.of(OpClass::spmm).extraction.sm_count = 100;
  p.of(OpClass::spmm).extraction.smem_bytes_per_s = 1.28e13;
  const CostModel model(h200_hardware(), p);
  expect_rel(model.time_s(core::OpPart{*build}), 7096 * kIndexStepCycles / 1e9);
}

TEST(BlockSparseAttention, DcaSegmentsAddTilesAndPadding) {
  // Three DCA segments: two more slash tiles (5 = 320 keys), verticals 100 x (1 - 320/1024)
  // = 68.75 -> 2 groups + half a group per extra segment = 3 groups (192 keys).
  const core::VerticalSlashWork w = core::vertical_slash_work(64, 1024, 100, 100, 3);
  EXPECT_DOUBLE_EQ(w.tile_pairs, 64.0 * 320);
  EXPECT_DOUBLE_EQ(w.gathered_pairs, 64.0 * 192);
}

TEST(BlockSparseAttention, MoreBudgetTakesLonger) {
  const CostModel model(h200_hardware(), curved_profile());
  double last = 0;
  for (std::int64_t budget : {30, 200, 1000, 4000, 12000, 30000}) {
    const auto parts = core::long_context_prefill_parts(base_attention(), 8192, 131072, 131072, sparse(budget, budget));
    const double t = parts_time(model, parts);
    EXPECT_GT(t, last) << budget;
    last = t;
  }
  // Per-head budgets: moving budget from one head class to a larger one adds time.
  core::LongContextOptions mixed = sparse(0, 0);
  mixed.head_budgets = {{1000, 2000, 3}, {8000, 12000, 1}};
  core::LongContextOptions more = mixed;
  more.head_budgets[1].slash = 20000;
  const auto time_of = [&](const core::LongContextOptions& o) {
    return parts_time(model, core::long_context_prefill_parts(base_attention(), 8192, 131072, 131072, o));
  };
  EXPECT_GT(time_of(more), time_of(mixed));
}

TEST(BlockSparseAttention, FullBudgetRecoversDenseCost) {
  // Budgets past every key: each block runs all its tiles, nothing gathered; the
  // kernel's work is then the dense causal work (the diagonal tile's masked half is
  // counted in density 1, as the dense kernel's efficiency counts it). With one flat
  // efficiency for both masks the attention costs exactly the dense kernel.
  const core::LongContextOptions all = sparse(1 << 20, 1 << 20);
  const auto parts = core::long_context_prefill_parts(base_attention(), 4096, 16384, 16384, all);
  const auto& a = std::get<core::AttentionShape>(parts.front());
  EXPECT_DOUBLE_EQ(a.density, 1.0);
  EXPECT_DOUBLE_EQ(a.gathered_fraction, 0.0);
  core::AttentionShape dense = base_attention();
  dense.seqs = {{4096, 16384}};
  const CostModel flat(h200_hardware(), flat_profile());
  expect_rel(flat.time_s(core::OpPart{a}), flat.time_s(core::OpPart{dense}));
  // With any gathered share the sparse kernel costs at most kGatheredKeyCost x dense.
  core::AttentionShape gathered = a;
  gathered.gathered_fraction = 1.0;
  expect_rel(flat.time_s(core::OpPart{gathered}), kGatheredKeyCost * flat.time_s(core::OpPart{dense}));
}

TEST(BlockSparseAttention, OverheadPartsAreThere) {
  const auto parts = core::long_context_prefill_parts(base_attention(), 8192, 131072, 131072, sparse(1000, 6096));
  std::vector<std::string> kinds;
  for (const core::OpPart& p : parts) {
    if (const auto* e = std::get_if<core::ElementwiseShape>(&p)) kinds.push_back(e->kind);
  }
  for (const char* k : {"sparse_index_estimation", "sparse_vertical_sum", "sparse_slash_sum", "sparse_topk",
                        "sparse_topk_sort", "sparse_index_build"}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), k), kinds.end()) << k;
  }
  // Top-k: 5 passes of 4 bytes over 2 x kv scores per head.
  for (const core::OpPart& p : parts) {
    const auto* e = std::get_if<core::ElementwiseShape>(&p);
    if (e != nullptr && e->kind == "sparse_topk") {
      EXPECT_DOUBLE_EQ(core::bytes_of(p), 2.0 * 131072 * 32 * 20);
    }
  }
}

}  // namespace
}  // namespace lcperf::cost
