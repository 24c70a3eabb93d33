// CUDA attention kernels (varlen, paged decode, block-sparse, merge) against the CPU
// references on the same storage-rounded inputs. Built only with CUDA.
#ifdef LCPERF_HAVE_CUDA
#include <gtest/gtest.h>

#include <numeric>

#include "cuda_test_util.hpp"
#include "kernel_test_util.hpp"
#include "kernels/attention_merge.hpp"
#include "kernels/cuda/attention_cuda.hpp"
#include "kernels/paged_decode.hpp"
#include "kernels/vertical_slash.hpp"

namespace lcperf::kernels {
namespace {

std::vector<float> rounded(std::size_t n, std::uint32_t seed, Storage s, float lo = -2, float hi = 2) {
  return round_to_storage(test::random_vector(n, seed, lo, hi), s);
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, const std::vector<float>& got_lse,
                  const std::vector<float>& want_lse, Storage s, const char* what) {
  EXPECT_LT(test::relative_error(got, want), test::tolerance(s)) << what << " " << storage_name(s);
  EXPECT_LT(test::max_abs_diff(got_lse, want_lse), 1e-3) << what << " lse " << storage_name(s);
}

TEST(AttentionFwdCuda, VarlenCausalGqaMatchesCpu) {
  LCPERF_REQUIRE_GPU();
  const std::vector<std::int32_t> cu_q = {0, 70, 86, 87, 96}, cu_kv = {0, 70, 166, 196, 201};  // prefill, chunk, decode, q > kv
  for (int d : {64, 128}) {
    for (bool causal : {true, false}) {
      const AttentionDims dims{8, 2, d, 0.0f, causal};
      for (Storage s : test::kAllStorages) {
        const std::size_t nq = 96u * 8 * d, nk = 201u * 2 * d;
        const auto q = rounded(nq, 1, s), k = rounded(nk, 2, s), v = rounded(nk, 3, s, -1, 1);
        std::vector<float> want(nq), want_lse(96 * 8);
        attention_fwd_cpu(dims, VarlenBatch{4, cu_q.data(), cu_kv.data()}, q.data(), k.data(), v.data(), want.data(),
                          want_lse.data());
        auto dq = test::upload(q, s), dk = test::upload(k, s), dv = test::upload(v, s);
        cuda::DeviceBuffer dcq(cu_q), dckv(cu_kv);
        auto out = test::poisoned(nq, storage_bytes(s)), lse = test::poisoned(96 * 8, 4);
        cuda::attention_fwd_cuda(s, dims, cuda::DeviceVarlen{4, dcq.as<std::int32_t>(), dckv.as<std::int32_t>(), 70},
                                 dq.get(), dk.get(), dv.get(), out.get(), lse.as<float>(), nullptr);
        cuda::synchronize();
        expect_close(test::download(out, s), want, lse.download<float>(), want_lse, s, "varlen");
      }
    }
  }
}

TEST(PagedDecodeCuda, MatchesCpu) {
  LCPERF_REQUIRE_GPU();
  const AttentionDims dims{8, 2, 128, 0.0f, false};
  const int block = 16, batch = 3, max_blocks = 8, num_blocks = 30;
  const std::vector<std::int32_t> seq_lens = {1, 77, 128};
  std::vector<std::int32_t> table(batch * max_blocks);
  std::iota(table.begin(), table.end(), 2);
  std::reverse(table.begin(), table.end());  // scattered physical blocks
  for (Storage s : test::kAllStorages) {
    const std::size_t cache = static_cast<std::size_t>(num_blocks) * block * 2 * 128;
    const auto q = rounded(batch * 8 * 128, 4, s), k = rounded(cache, 5, s), v = rounded(cache, 6, s, -1, 1);
    std::vector<float> want(q.size()), want_lse(batch * 8);
    paged_decode_attention_cpu(dims, batch, q.data(), PagedKv{k.data(), v.data(), block, table.data(), max_blocks, seq_lens.data()},
                               want.data(), want_lse.data());
    auto dq = test::upload(q, s), dk = test::upload(k, s), dv = test::upload(v, s);
    cuda::DeviceBuffer dtable(table), dlens(seq_lens);
    auto out = test::poisoned(q.size(), storage_bytes(s)), lse = test::poisoned(batch * 8, 4);
    cuda::paged_decode_attention_cuda(
        s, dims, batch, dq.get(),
        cuda::DevicePagedKv{dk.get(), dv.get(), block, dtable.as<std::int32_t>(), max_blocks, dlens.as<std::int32_t>()},
        out.get(), lse.as<float>(), nullptr);
    cuda::synchronize();
    expect_close(test::download(out, s), want, lse.download<float>(), want_lse, s, "paged");
  }
}

TEST(BlockSparseAttentionCuda, MatchesCpu) {
  LCPERF_REQUIRE_GPU();
  const AttentionDims dims{4, 2, 64, 0.0f, true};
  const std::int64_t q_len = 150, kv_len = 300;
  for (Storage s : test::kAllStorages) {
    const auto q = rounded(q_len * 4 * 64, 7, s), k = rounded(kv_len * 2 * 64, 8, s), v = rounded(kv_len * 2 * 64, 9, s, -1, 1);
    VerticalSlashConfig config;
    config.vertical_budget = 40;
    config.slash_budget = 60;
    config.forced_local = 30;
    const auto heads = estimate_vertical_slash_cpu(dims, q_len, kv_len, q.data(), k.data(), config);
    const BlockSparseIndex index = vertical_slash_to_blocks(heads, q_len, kv_len);
    std::vector<float> want(q.size()), want_lse(q_len * 4);
    block_sparse_attention_cpu(dims, q_len, kv_len, q.data(), k.data(), v.data(), index, want.data(), want_lse.data());
    auto dq = test::upload(q, s), dk = test::upload(k, s), dv = test::upload(v, s);
    cuda::DeviceBuffer bc(index.block_count), bo(index.block_offset), cc(index.column_count), ci(index.column_index);
    auto out = test::poisoned(q.size(), storage_bytes(s)), lse = test::poisoned(q_len * 4, 4);
    cuda::block_sparse_attention_cuda(s, dims, q_len, kv_len, dq.get(), dk.get(), dv.get(),
                                      cuda::DeviceBlockSparseIndex{index.q_blocks, index.max_blocks, index.max_columns,
                                                                   bc.as<std::int32_t>(), bo.as<std::int32_t>(),
                                                                   cc.as<std::int32_t>(), ci.as<std::int32_t>()},
                                      out.get(), lse.as<float>(), nullptr);
    cuda::synchronize();
    expect_close(test::download(out, s), want, lse.download<float>(), want_lse, s, "block-sparse");
  }
}

TEST(MergeAttentionCuda, MatchesCpu) {
  LCPERF_REQUIRE_GPU();
  const int parts = 3, rows = 200, d = 128;
  for (Storage s : test::kAllStorages) {
    const auto outs = rounded(parts * rows * d, 10, s);
    auto lses = test::random_vector(parts * rows, 11, -5, 30);
    lses[5] = -std::numeric_limits<float>::infinity();  // one empty part for one row
    const float* out_ptrs[parts];
    const float* lse_ptrs[parts];
    for (int p = 0; p < parts; ++p) {
      out_ptrs[p] = outs.data() + p * rows * d;
      lse_ptrs[p] = lses.data() + p * rows;
    }
    std::vector<float> want(rows * d), want_lse(rows);
    merge_attention_parts_cpu(parts, rows, d, out_ptrs, lse_ptrs, want.data(), want_lse.data());
    auto douts = test::upload(outs, s);
    cuda::DeviceBuffer dlses(lses);
    auto out = test::poisoned(rows * d, storage_bytes(s)), lse = test::poisoned(rows, 4);
    cuda::merge_attention_parts_cuda(s, parts, rows, d, douts.get(), dlses.as<float>(), out.get(), lse.as<float>(), nullptr);
    cuda::synchronize();
    expect_close(test::download(out, s), want, lse.download<float>(), want_lse, s, "merge");
  }
}

}  // namespace
}  // namespace lcperf::kernels
#endif
