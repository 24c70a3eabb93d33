#include <gtest/gtest.h>

#include <cmath>

#include "kernel_test_util.hpp"
#include "kernels/attention.hpp"
#include "kernels/attention_merge.hpp"

namespace lcperf::kernels {
namespace {

// DistAttention: split the KV of a decode batch into shards, attend to each shard
// alone, merge; the result must be full attention over the concatenated KV.
TEST(AttentionMergeCpu, ShardsMergeToFullAttention) {
  const AttentionDims dims{4, 2, 64, 0.0f, false};
  const int q_len = 3, kv_len = 70;
  const std::vector<int> cuts = {0, 10, 11, 45, 70};  // uneven shards, one of a single key
  const std::size_t row = static_cast<std::size_t>(dims.heads_kv) * dims.head_dim;
  const auto q = test::random_vector(q_len * dims.heads_q * dims.head_dim, 1, -3, 3);
  const auto k = test::random_vector(kv_len * row, 2, -3, 3);
  const auto v = test::random_vector(kv_len * row, 3);
  const std::size_t rows = static_cast<std::size_t>(q_len) * dims.heads_q;

  std::vector<std::vector<float>> outs, lses;
  for (std::size_t s = 0; s + 1 < cuts.size(); ++s) {
    const std::int32_t cu_q[2] = {0, q_len}, cu_k[2] = {0, cuts[s + 1] - cuts[s]};
    outs.emplace_back(rows * dims.head_dim);
    lses.emplace_back(rows);
    attention_fwd_cpu(dims, VarlenBatch{1, cu_q, cu_k}, q.data(), k.data() + cuts[s] * row, v.data() + cuts[s] * row,
                      outs.back().data(), lses.back().data());
  }
  std::vector<const float*> out_ptrs, lse_ptrs;
  for (std::size_t s = 0; s < outs.size(); ++s) {
    out_ptrs.push_back(outs[s].data());
    lse_ptrs.push_back(lses[s].data());
  }
  std::vector<float> merged(rows * dims.head_dim), merged_lse(rows);
  merge_attention_parts_cpu(static_cast<int>(outs.size()), static_cast<std::int64_t>(rows), dims.head_dim,
                            out_ptrs.data(), lse_ptrs.data(), merged.data(), merged_lse.data());

  const std::int32_t cu_q[2] = {0, q_len}, cu_k[2] = {0, kv_len};
  std::vector<float> full(merged.size()), full_lse(rows);
  attention_fwd_cpu(dims, VarlenBatch{1, cu_q, cu_k}, q.data(), k.data(), v.data(), full.data(), full_lse.data());
  EXPECT_LT(test::max_abs_diff(merged, full), 1e-6);
  EXPECT_LT(test::max_abs_diff(merged_lse, full_lse), 1e-5);
}

TEST(AttentionMergeCpu, EmptyPartsDropOutAndLargeLseDoesNotOverflow) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> o1 = {1, 2}, o2 = {3, 4}, o3 = {9, 9};
  const std::vector<float> l1 = {1000.0f}, l2 = {1000.0f}, l3 = {-inf};
  const float* outs[3] = {o1.data(), o2.data(), o3.data()};
  const float* lses[3] = {l1.data(), l2.data(), l3.data()};
  std::vector<float> out(2), lse(1);
  merge_attention_parts_cpu(3, 1, 2, outs, lses, out.data(), lse.data());
  EXPECT_FLOAT_EQ(out[0], 2.0f);
  EXPECT_FLOAT_EQ(out[1], 3.0f);
  EXPECT_NEAR(lse[0], 1000.0 + std::log(2.0), 1e-3);

  const float* none_out[1] = {o3.data()};
  const float* none_lse[1] = {l3.data()};
  merge_attention_parts_cpu(1, 1, 2, none_out, none_lse, out.data(), lse.data());
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_TRUE(std::isinf(lse[0]) && lse[0] < 0);
}

}  // namespace
}  // namespace lcperf::kernels
