#pragma once
// Context-parallel attention as TransformerEngine runs it with KV exchanged around the
// CP ring (`kernels.cp_attention: ring_steps`, scenarios/README.md), for one rank of
// Megatron's load-balanced layout: a sequence of s tokens is cut into 2 cp chunks of
// c = s / (2 cp) and rank r holds chunks r and 2 cp - 1 - r. Rank 0's work in one pass:
// - step 0, its own KV: one causal call over its 2c queries and 2c keys (the two local
//   chunks in order, so the causal mask is exact);
// - steps 1 .. cp - 1, another rank's KV (chunks earlier and later than rank 0's first):
//   its later chunk's c queries against all 2c received keys, one unmasked call each;
// - after each step the partial outputs are merged (forward: every step's output rescaled
//   by its log-sum-exp and added into the running output; backward: every step's query
//   and KV gradients added into the accumulated ones), one fused element-wise pass each,
//   reading the two operands and writing the sum (6 bytes an element in bf16).
// The FLOPs equal the one-call pricing's (layer_ops.hpp, cp_chunks); the calls are shorter
// and the merges are extra traffic. The KV exchange itself stays the caller's collective.
#include <cstdint>
#include <vector>

#include "core/ops.hpp"

namespace lcperf::core {

// `call` carries the heads, head size, dtype and direction; `seq_lens` the micro-batch's
// sequences (each cut into 2 cp chunks); cp > 1.
std::vector<OpPart> cp_ring_attention_parts(const AttentionShape& call, const std::vector<std::int64_t>& seq_lens,
                                            int cp);

}  // namespace lcperf::core
