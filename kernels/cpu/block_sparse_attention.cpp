// Exact attention over the keys a BlockSparseIndex selects: tiles first, then the
// gathered columns, all folded into one online softmax per row (as the fused GPU
// kernel does). Tile columns past kv_len or past the row's causal limit are skipped.
#include <algorithm>

#include "kernels/cpu/online_softmax.hpp"
#include "kernels/vertical_slash.hpp"

namespace lcperf::kernels {

void block_sparse_attention_cpu(const AttentionDims& dims, std::int64_t q_len, std::int64_t kv_len, const float* q,
                                const float* k, const float* v, const BlockSparseIndex& index, float* out,
                                float* lse) {
  const int d = dims.head_dim;
  const int group = dims.heads_q / dims.heads_kv;
  const double scale = softmax_scale(dims);
  for (int h = 0; h < dims.heads_q; ++h) {
    const int hk = h / group;
    for (std::int64_t i = 0; i < q_len; ++i) {
      const int m = static_cast<int>(i / kSparseBlock);
      const std::size_t e = static_cast<std::size_t>(h) * index.q_blocks + m;
      const std::int64_t limit = dims.causal ? std::min(kv_len, i + kv_len - q_len + 1) : kv_len;
      const float* qr = q + (i * dims.heads_q + h) * d;
      detail::OnlineSoftmaxRow row(d);
      auto visit = [&](std::int64_t j) {
        const std::int64_t kr = (j * dims.heads_kv + hk) * d;
        row.add(scale * detail::dot(qr, k + kr, d), v + kr);
      };
      for (int t = 0; t < index.block_count[e]; ++t) {
        const std::int64_t start = index.block_offset[e * static_cast<std::size_t>(index.max_blocks) + static_cast<std::size_t>(t)];
        for (std::int64_t j = start; j < std::min(start + kSparseBlock, limit); ++j) visit(j);
      }
      for (int c = 0; c < index.column_count[e]; ++c) {
        const std::int64_t j = index.column_index[e * static_cast<std::size_t>(index.max_columns) + static_cast<std::size_t>(c)];
        if (j < limit) visit(j);
      }
      row.finish(out + (i * dims.heads_q + h) * d, lse + i * dims.heads_q + h);
    }
  }
}

}  // namespace lcperf::kernels
