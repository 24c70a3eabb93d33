// Megatron-LM's unfused core attention as op parts; see unfused_attention.hpp.
#include "core/unfused_attention.hpp"

#include <map>
#include <utility>

namespace lcperf::core {

namespace {

OpPart scores_kernel(const char* kind, std::int64_t scores, double flops, double bytes) {
  ElementwiseShape e;
  e.kind = kind;
  e.elements = scores;
  e.flops_per_element = flops;
  e.bytes_per_element = bytes;
  return e;
}

}  // namespace

std::vector<OpPart> unfused_attention_parts(const AttentionShape& a, double dropout) {
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> groups;  // (q_len, kv_len) -> sequences
  for (const AttentionSeq& s : a.seqs) ++groups[{s.q_len, s.kv_len}];
  const double elem = static_cast<double>(dtype_bytes(a.dtype));
  const std::int64_t d = a.head_dim;
  std::vector<OpPart> parts;
  for (const auto& [lens, count] : groups) {
    const auto [q, kv] = lens;
    const std::int64_t batch = count * a.heads_q;
    const std::int64_t scores = batch * q * kv;
    const auto gemm = [&](std::int64_t m, std::int64_t n, std::int64_t k) {
      parts.push_back(GemmShape{m, n, k, batch, a.dtype});
    };
    if (!a.backward) {
      gemm(q, kv, d);  // S = Q K^T
      parts.push_back(scores_kernel("scale_mask_softmax", scores, 5, 2 * elem));
      if (dropout > 0) parts.push_back(scores_kernel("attention_dropout", scores, 2, 2 * elem + 1));
      gemm(q, d, kv);  // O = P V
    } else {
      gemm(kv, d, q);  // dV = P^T dO
      gemm(q, kv, d);  // dP = dO V^T
      if (dropout > 0) parts.push_back(scores_kernel("attention_dropout_bwd", scores, 1, 2 * elem + 1));
      parts.push_back(scores_kernel("scale_mask_softmax_bwd", scores, 4, 3 * elem));
      gemm(q, d, kv);  // dQ = dS K
      gemm(kv, d, q);  // dK = dS^T Q
    }
  }
  return parts;
}

}  // namespace lcperf::core
