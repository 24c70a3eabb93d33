#include <gtest/gtest.h>

#include <numeric>

#include "kernel_test_util.hpp"
#include "kernels/paged_decode.hpp"

namespace lcperf::kernels {
namespace {

// The same keys laid out contiguously and scattered over shuffled cache blocks
// must give the same decode output.
TEST(PagedDecodeCpu, MatchesContiguousAttention) {
  const AttentionDims dims{8, 2, 64, 0.0f, false};
  const int block = 16;
  const std::vector<std::int32_t> seq_lens = {1, 37, 64, 50};
  const int batch = static_cast<int>(seq_lens.size());
  const int max_blocks = 4;
  const int num_blocks = batch * max_blocks + 3;  // spare blocks stay garbage
  const std::size_t row = static_cast<std::size_t>(dims.heads_kv) * dims.head_dim;
  auto k_cache = test::random_vector(num_blocks * block * row, 5, 50, 60);  // garbage unless written
  auto v_cache = test::random_vector(num_blocks * block * row, 6, 50, 60);
  std::vector<std::int32_t> physical(static_cast<std::size_t>(num_blocks));
  std::iota(physical.begin(), physical.end(), 0);
  std::shuffle(physical.begin(), physical.end(), std::mt19937(42));
  std::vector<std::int32_t> table(static_cast<std::size_t>(batch * max_blocks), -1);

  std::vector<std::int32_t> cu_q{0}, cu_kv{0};
  std::vector<float> k_flat, v_flat;
  const auto q = test::random_vector(static_cast<std::size_t>(batch) * dims.heads_q * dims.head_dim, 7, -2, 2);
  int used = 0;
  for (int b = 0; b < batch; ++b) {
    const auto keys = test::random_vector(seq_lens[b] * row, 100 + b, -2, 2);
    const auto vals = test::random_vector(seq_lens[b] * row, 200 + b);
    k_flat.insert(k_flat.end(), keys.begin(), keys.end());
    v_flat.insert(v_flat.end(), vals.begin(), vals.end());
    cu_q.push_back(b + 1);
    cu_kv.push_back(cu_kv.back() + seq_lens[b]);
    for (int j = 0; j < seq_lens[b]; ++j) {
      if (j % block == 0) table[b * max_blocks + j / block] = physical[static_cast<std::size_t>(used++)];
      const std::size_t slot = static_cast<std::size_t>(table[b * max_blocks + j / block]) * block + j % block;
      std::copy(keys.begin() + j * row, keys.begin() + (j + 1) * row, k_cache.begin() + slot * row);
      std::copy(vals.begin() + j * row, vals.begin() + (j + 1) * row, v_cache.begin() + slot * row);
    }
  }
  std::vector<float> out(q.size()), lse(static_cast<std::size_t>(batch) * dims.heads_q);
  paged_decode_attention_cpu(dims, batch, q.data(),
                             PagedKv{k_cache.data(), v_cache.data(), block, table.data(), max_blocks, seq_lens.data()},
                             out.data(), lse.data());
  std::vector<float> want(q.size()), want_lse(lse.size());
  attention_fwd_cpu(dims, VarlenBatch{batch, cu_q.data(), cu_kv.data()}, q.data(), k_flat.data(), v_flat.data(),
                    want.data(), want_lse.data());
  EXPECT_LT(test::max_abs_diff(out, want), 1e-6);
  EXPECT_LT(test::max_abs_diff(lse, want_lse), 1e-6);
}

}  // namespace
}  // namespace lcperf::kernels
