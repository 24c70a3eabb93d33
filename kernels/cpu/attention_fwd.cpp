// Row-at-a-time exact attention: every visible key is scored once and folded into
// an online softmax. Slow but obviously right; the CUDA kernels are checked against it.
#include <algorithm>

#include "kernels/attention.hpp"
#include "kernels/cpu/online_softmax.hpp"

namespace lcperf::kernels {

void attention_fwd_cpu(const AttentionDims& dims, const VarlenBatch& seqs, const float* q, const float* k,
                       const float* v, float* out, float* lse) {
  const int d = dims.head_dim;
  const int group = dims.heads_q / dims.heads_kv;
  const double scale = softmax_scale(dims);
  for (int b = 0; b < seqs.batch; ++b) {
    const std::int64_t q0 = seqs.cu_seqlens_q[b], q_len = seqs.cu_seqlens_q[b + 1] - q0;
    const std::int64_t k0 = seqs.cu_seqlens_kv[b], kv_len = seqs.cu_seqlens_kv[b + 1] - k0;
    for (std::int64_t i = 0; i < q_len; ++i) {
      const std::int64_t visible = dims.causal ? std::clamp<std::int64_t>(i + kv_len - q_len + 1, 0, kv_len) : kv_len;
      for (int h = 0; h < dims.heads_q; ++h) {
        const int hk = h / group;
        const float* qr = q + ((q0 + i) * dims.heads_q + h) * d;
        detail::OnlineSoftmaxRow row(d);
        for (std::int64_t j = 0; j < visible; ++j) {
          const std::int64_t kr = ((k0 + j) * dims.heads_kv + hk) * d;
          row.add(scale * detail::dot(qr, k + kr, d), v + kr);
        }
        row.finish(out + ((q0 + i) * dims.heads_q + h) * d, lse + (q0 + i) * dims.heads_q + h);
      }
    }
  }
}

}  // namespace lcperf::kernels
