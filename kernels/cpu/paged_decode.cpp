// Logical key j of sequence b lives in physical block block_table[b][j / block_size]
// at slot j % block_size; everything else is plain attention for one query row.
#include "kernels/cpu/online_softmax.hpp"
#include "kernels/paged_decode.hpp"

namespace lcperf::kernels {

void paged_decode_attention_cpu(const AttentionDims& dims, int batch, const float* q, const PagedKv& kv, float* out,
                                float* lse) {
  const int d = dims.head_dim;
  const int group = dims.heads_q / dims.heads_kv;
  const double scale = softmax_scale(dims);
  for (int b = 0; b < batch; ++b) {
    const std::int32_t* table = kv.block_table + static_cast<std::int64_t>(b) * kv.max_blocks_per_seq;
    for (int h = 0; h < dims.heads_q; ++h) {
      const std::int64_t row = static_cast<std::int64_t>(b) * dims.heads_q + h;
      detail::OnlineSoftmaxRow acc(d);
      for (std::int64_t j = 0; j < kv.seq_lens[b]; ++j) {
        const std::int64_t slot = static_cast<std::int64_t>(table[j / kv.block_size]) * kv.block_size + j % kv.block_size;
        const std::int64_t kr = (slot * dims.heads_kv + h / group) * d;
        acc.add(scale * detail::dot(q + row * d, kv.k_cache + kr, d), kv.v_cache + kr);
      }
      acc.finish(out + row * d, lse + row);
    }
  }
}

}  // namespace lcperf::kernels
