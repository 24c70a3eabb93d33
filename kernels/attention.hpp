#pragma once
// Exact attention, fp32 CPU references. Layouts (row-major, packed varlen):
//   q, out  [total_q,  heads_q,  head_dim]
//   k, v    [total_kv, heads_kv, head_dim]
//   lse     [total_q,  heads_q]   natural log of the softmax denominator
// Sequence b owns query rows [cu_seqlens_q[b], cu_seqlens_q[b+1]) and key rows
// [cu_seqlens_kv[b], cu_seqlens_kv[b+1]). GQA: query head h reads kv head
// h / (heads_q / heads_kv). The causal mask is bottom-right aligned: query i of a
// sequence with q_len queries and kv_len keys sees key j iff j <= i + kv_len - q_len,
// so a chunk of queries attends to its KV prefix plus itself. A row that sees no key
// gets out = 0 and lse = -inf (it contributes nothing to a later merge).
#include <cmath>
#include <cstdint>

namespace lcperf::kernels {

struct AttentionDims {
  int heads_q = 1;
  int heads_kv = 1;
  int head_dim = 64;
  float scale = 0.0f;  // softmax scale; 0 means 1/sqrt(head_dim)
  bool causal = true;
};

inline float softmax_scale(const AttentionDims& d) {
  return d.scale != 0.0f ? d.scale : 1.0f / std::sqrt(static_cast<float>(d.head_dim));
}

struct VarlenBatch {
  int batch = 0;
  const std::int32_t* cu_seqlens_q = nullptr;   // batch + 1 offsets
  const std::int32_t* cu_seqlens_kv = nullptr;  // batch + 1 offsets
};

void attention_fwd_cpu(const AttentionDims& dims, const VarlenBatch& seqs, const float* q, const float* k,
                       const float* v, float* out, float* lse);

// Gradients of the forward above given out, lse and dout (same layouts as q / k / v).
// dq, dk, dv are overwritten.
void attention_bwd_cpu(const AttentionDims& dims, const VarlenBatch& seqs, const float* q, const float* k,
                       const float* v, const float* out, const float* lse, const float* dout, float* dq, float* dk,
                       float* dv);

}  // namespace lcperf::kernels
