#pragma once
// Merge of partial attentions (DistAttention micro-attention, DCA parts, split-KV
// decode). Each part p attended to a disjoint subset of the keys and returned
// (O_p, lse_p); then lse = log sum_p exp(lse_p) and O = sum_p exp(lse_p - lse) O_p is
// exactly attention over the union of the subsets. Parts with lse = -inf (no keys)
// drop out; if every part is empty the row is out = 0, lse = -inf.
//   outs[p]  [rows, head_dim]   (rows = tokens * heads, any row-major flattening)
//   lses[p]  [rows]
#include <cstdint>

namespace lcperf::kernels {

void merge_attention_parts_cpu(int parts, std::int64_t rows, int head_dim, const float* const* outs,
                               const float* const* lses, float* out, float* lse);

}  // namespace lcperf::kernels
