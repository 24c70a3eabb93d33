// Attention backward from the saved LSE (no stored probabilities): P is recomputed as
// exp(s - lse), and dS = P * (dP - rowsum(dO * O)) is the softmax Jacobian applied
// to dP = dO V^T. GQA gradients of K and V sum over the query heads of a group.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/attention.hpp"
#include "kernels/cpu/online_softmax.hpp"

namespace lcperf::kernels {

void attention_bwd_cpu(const AttentionDims& dims, const VarlenBatch& seqs, const float* q, const float* k,
                       const float* v, const float* out, const float* lse, const float* dout, float* dq, float* dk,
                       float* dv) {
  const int d = dims.head_dim;
  const int group = dims.heads_q / dims.heads_kv;
  const double scale = softmax_scale(dims);
  const std::int64_t total_q = seqs.cu_seqlens_q[seqs.batch];
  const std::int64_t total_kv = seqs.cu_seqlens_kv[seqs.batch];
  std::fill(dq, dq + total_q * dims.heads_q * d, 0.0f);
  std::fill(dk, dk + total_kv * dims.heads_kv * d, 0.0f);
  std::fill(dv, dv + total_kv * dims.heads_kv * d, 0.0f);
  std::vector<double> dq_row(static_cast<std::size_t>(d));
  for (int b = 0; b < seqs.batch; ++b) {
    const std::int64_t q0 = seqs.cu_seqlens_q[b], q_len = seqs.cu_seqlens_q[b + 1] - q0;
    const std::int64_t k0 = seqs.cu_seqlens_kv[b], kv_len = seqs.cu_seqlens_kv[b + 1] - k0;
    for (std::int64_t i = 0; i < q_len; ++i) {
      const std::int64_t visible = dims.causal ? std::clamp<std::int64_t>(i + kv_len - q_len + 1, 0, kv_len) : kv_len;
      for (int h = 0; h < dims.heads_q; ++h) {
        const std::int64_t row = (q0 + i) * dims.heads_q + h;
        const float row_lse = lse[row];
        if (std::isinf(row_lse)) continue;  // no visible key: no gradient
        const float* qr = q + row * d;
        const float* dor = dout + row * d;
        const double delta = detail::dot(dor, out + row * d, d);
        std::fill(dq_row.begin(), dq_row.end(), 0.0);
        for (std::int64_t j = 0; j < visible; ++j) {
          const std::int64_t kr = ((k0 + j) * dims.heads_kv + h / group) * d;
          const double p = std::exp(scale * detail::dot(qr, k + kr, d) - row_lse);
          const double ds = p * (detail::dot(dor, v + kr, d) - delta);
          for (int x = 0; x < d; ++x) {
            dv[kr + x] += static_cast<float>(p * dor[x]);
            dk[kr + x] += static_cast<float>(scale * ds * qr[x]);
            dq_row[static_cast<std::size_t>(x)] += scale * ds * k[kr + x];
          }
        }
        for (int x = 0; x < d; ++x) dq[row * d + x] = static_cast<float>(dq_row[static_cast<std::size_t>(x)]);
      }
    }
  }
}

}  // namespace lcperf::kernels
