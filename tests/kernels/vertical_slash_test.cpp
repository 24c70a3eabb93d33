#include <gtest/gtest.h>

#include <numeric>
#include <set>

#include "kernel_test_util.hpp"
#include "kernels/vertical_slash.hpp"

namespace lcperf::kernels {
namespace {

struct Inputs {
  std::vector<float> q, k, v;
};

Inputs make_inputs(const AttentionDims& dims, std::int64_t q_len, std::int64_t kv_len, std::uint32_t seed) {
  return {test::random_vector(static_cast<std::size_t>(q_len * dims.heads_q * dims.head_dim), seed, -2, 2),
          test::random_vector(static_cast<std::size_t>(kv_len * dims.heads_kv * dims.head_dim), seed + 1, -2, 2),
          test::random_vector(static_cast<std::size_t>(kv_len * dims.heads_kv * dims.head_dim), seed + 2)};
}

void dense(const AttentionDims& dims, std::int64_t q_len, std::int64_t kv_len, const Inputs& in, std::vector<float>& out,
           std::vector<float>& lse) {
  const std::int32_t cu_q[2] = {0, static_cast<std::int32_t>(q_len)}, cu_k[2] = {0, static_cast<std::int32_t>(kv_len)};
  out.assign(static_cast<std::size_t>(q_len * dims.heads_q * dims.head_dim), 0.0f);
  lse.assign(static_cast<std::size_t>(q_len * dims.heads_q), 0.0f);
  attention_fwd_cpu(dims, VarlenBatch{1, cu_q, cu_k}, in.q.data(), in.k.data(), in.v.data(), out.data(), lse.data());
}

void sparse(const AttentionDims& dims, std::int64_t q_len, std::int64_t kv_len, const Inputs& in,
            const BlockSparseIndex& index, std::vector<float>& out, std::vector<float>& lse) {
  out.assign(static_cast<std::size_t>(q_len * dims.heads_q * dims.head_dim), 0.0f);
  lse.assign(static_cast<std::size_t>(q_len * dims.heads_q), 0.0f);
  block_sparse_attention_cpu(dims, q_len, kv_len, in.q.data(), in.k.data(), in.v.data(), index, out.data(), lse.data());
}

void check_dense_equivalence(std::int64_t q_len, std::int64_t kv_len) {
  const AttentionDims dims{4, 2, 64, 0.0f, true};
  const Inputs in = make_inputs(dims, q_len, kv_len, 21);
  VerticalSlashConfig config;
  config.vertical_budget = kv_len;
  config.slash_budget = kv_len;
  const auto heads = estimate_vertical_slash_cpu(dims, q_len, kv_len, in.q.data(), in.k.data(), config);
  for (const auto& h : heads) {
    EXPECT_EQ(static_cast<std::int64_t>(h.vertical.size()), kv_len);
    EXPECT_EQ(static_cast<std::int64_t>(h.slash.size()), kv_len);
  }
  const BlockSparseIndex index = vertical_slash_to_blocks(heads, q_len, kv_len);
  std::vector<float> so, sl, dout, dl;
  sparse(dims, q_len, kv_len, in, index, so, sl);
  dense(dims, q_len, kv_len, in, dout, dl);
  EXPECT_LT(test::max_abs_diff(so, dout), 1e-6);
  EXPECT_LT(test::max_abs_diff(sl, dl), 1e-5);
  std::vector<float> recall(sl.size());
  EXPECT_NEAR(attention_recall_cpu(static_cast<std::int64_t>(sl.size()), sl.data(), dl.data(), recall.data()), 1.0, 1e-5);
}

TEST(VerticalSlashCpu, FullBudgetsEqualDenseCausalPrefill) { check_dense_equivalence(150, 150); }

TEST(VerticalSlashCpu, FullBudgetsEqualDenseChunkOverKvPrefix) { check_dense_equivalence(100, 230); }

TEST(VerticalSlashCpu, AllVerticalsWithOneSlashAlsoCoverEverything) {
  const AttentionDims dims{2, 2, 64, 0.0f, true};
  const std::int64_t n = 200;
  const Inputs in = make_inputs(dims, n, n, 5);
  VerticalSlashIndex head;
  head.vertical.resize(static_cast<std::size_t>(n));
  std::iota(head.vertical.begin(), head.vertical.end(), 0);
  head.slash = {0};
  const BlockSparseIndex index = vertical_slash_to_blocks({head, head}, n, n);
  EXPECT_GT(index.max_columns, 0);  // the gaps are filled by gathered columns
  std::vector<float> so, sl, dout, dl;
  sparse(dims, n, n, in, index, so, sl);
  dense(dims, n, n, in, dout, dl);
  EXPECT_LT(test::max_abs_diff(so, dout), 1e-6);
}

TEST(VerticalSlashCpu, ConversionMergesSlashesIntoDisjointTilesAndKeepsUncoveredVerticals) {
  VerticalSlashIndex head;
  head.vertical = {5, 200};
  head.slash = {100, 0};
  const BlockSparseIndex index = vertical_slash_to_blocks({head}, 256, 256);
  ASSERT_EQ(index.q_blocks, 4);
  auto tiles = [&](int m) {
    return std::vector<std::int32_t>(index.block_offset.begin() + m * index.max_blocks,
                                     index.block_offset.begin() + m * index.max_blocks + index.block_count[static_cast<std::size_t>(m)]);
  };
  auto columns = [&](int m) {
    return std::vector<std::int32_t>(index.column_index.begin() + m * index.max_columns,
                                     index.column_index.begin() + m * index.max_columns + index.column_count[static_cast<std::size_t>(m)]);
  };
  // Block 0 (rows 0..63): slash 0 covers [0, 64); slash 100 reaches no key; 5 is covered.
  EXPECT_EQ(tiles(0), (std::vector<std::int32_t>{0}));
  EXPECT_TRUE(columns(0).empty());
  // Block 3 (rows 192..255): slash 100 covers [92, 156), slash 0 [192, 256); the gap of
  // 36 < 64 merges them into [92, 256) -> tiles at 92, 156, 220. 200 is covered, 5 is not.
  EXPECT_EQ(tiles(3), (std::vector<std::int32_t>{92, 156, 220}));
  EXPECT_EQ(columns(3), (std::vector<std::int32_t>{5}));
  EXPECT_EQ(index.keys_scored(0, 3), 3 * 64 + 1);
}

TEST(VerticalSlashCpu, EstimationFindsAHotColumnAndForcesSinksAndLocalWindow) {
  const AttentionDims dims{1, 1, 64, 0.0f, true};
  const std::int64_t n = 300;
  Inputs in = make_inputs(dims, n, n, 9);
  for (auto& x : in.q) x *= 0.1f;
  for (auto& x : in.k) x *= 0.1f;
  // Key 217 points where every query points: a vertical line.
  for (int x = 0; x < 64; ++x) in.k[217 * 64 + x] = 0.0f;
  for (std::int64_t r = 0; r < n; ++r) in.q[r * 64] = 4.0f;
  in.k[217 * 64] = 4.0f;
  VerticalSlashConfig config;
  config.vertical_budget = 31;
  config.slash_budget = 120;
  const auto heads = estimate_vertical_slash_cpu(dims, n, n, in.q.data(), in.k.data(), config);
  const std::set<std::int32_t> vertical(heads[0].vertical.begin(), heads[0].vertical.end());
  EXPECT_EQ(vertical.size(), 31u);
  EXPECT_TRUE(vertical.count(217));
  for (int j = 0; j < 30; ++j) EXPECT_TRUE(vertical.count(j)) << j;
  const std::set<std::int32_t> slash(heads[0].slash.begin(), heads[0].slash.end());
  EXPECT_EQ(slash.size(), 120u);
  for (int s = 0; s < 100; ++s) EXPECT_TRUE(slash.count(s)) << s;
  EXPECT_TRUE(std::is_sorted(heads[0].slash.rbegin(), heads[0].slash.rend()));  // descending
}

// Recall = exp(lse_sparse - lse_full) is the full softmax mass of the kept keys.
TEST(VerticalSlashCpu, RecallIsTheSoftmaxMassOfTheKeptKeys) {
  const AttentionDims dims{2, 1, 64, 0.0f, true};
  const std::int64_t n = 260;
  const Inputs in = make_inputs(dims, n, n, 31);
  VerticalSlashConfig config;
  config.vertical_budget = 40;
  config.slash_budget = 60;
  config.forced_local = 40;
  const auto heads = estimate_vertical_slash_cpu(dims, n, n, in.q.data(), in.k.data(), config);
  const BlockSparseIndex index = vertical_slash_to_blocks(heads, n, n);
  std::vector<float> so, sl, dout, dl;
  sparse(dims, n, n, in, index, so, sl);
  dense(dims, n, n, in, dout, dl);
  std::vector<float> recall(sl.size());
  const double mean = attention_recall_cpu(static_cast<std::int64_t>(sl.size()), sl.data(), dl.data(), recall.data());
  EXPECT_GT(mean, 0.05);
  EXPECT_LT(mean, 1.0);

  // Direct: sum over kept keys of exp(s_ij - lse_full_i), for one head.
  const int h = 1;
  for (std::int64_t i : {0, 63, 64, 200, 259}) {
    const std::size_t e = static_cast<std::size_t>(h) * index.q_blocks + static_cast<std::size_t>(i / 64);
    std::set<std::int64_t> kept;
    for (int t = 0; t < index.block_count[e]; ++t) {
      for (int c = 0; c < 64; ++c) kept.insert(index.block_offset[e * index.max_blocks + t] + c);
    }
    for (int c = 0; c < index.column_count[e]; ++c) kept.insert(index.column_index[e * index.max_columns + c]);
    double mass = 0;
    for (std::int64_t j : kept) {
      if (j > i) continue;
      double s = 0;
      for (int x = 0; x < 64; ++x) s += double(in.q[(i * 2 + h) * 64 + x]) * in.k[j * 64 + x];
      mass += std::exp(s / 8.0 - dl[static_cast<std::size_t>(i * 2 + h)]);
    }
    EXPECT_NEAR(recall[static_cast<std::size_t>(i * 2 + h)], mass, 1e-4) << i;
  }
}

}  // namespace
}  // namespace lcperf::kernels
