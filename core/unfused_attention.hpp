#pragma once
// Megatron-LM's core attention before FlashAttention ("unfused"), as op parts: per head
// the score matrix is a batched GEMM S = Q K^T, a fused scale-mask-softmax kernel turns
// it into probabilities P, an optional dropout kernel masks P, and O = P V is a second
// batched GEMM. Every score is computed, masked or not (the causal mask is applied in
// the softmax), so the GEMMs do the full q_len x kv_len work, twice the unmasked work a
// causal FlashAttention counts. The backward runs dV = P^T dO, dP = dO V^T, the dropout
// and softmax backward kernels, dQ = dS K and dK = dS^T Q.
//
// Element-wise traffic per score (the model's dtype, 2 bytes for bf16):
//   scale_mask_softmax      read S, write P                      2 elem
//   attention_dropout       read P, write P', write a 1-byte mask 2 elem + 1
//   attention_dropout_bwd   read dP', read the mask, write dP    2 elem + 1
//   scale_mask_softmax_bwd  read dP, read P, write dS            3 elem
// With grouped-query attention each query head runs its own GEMMs against its group's
// K/V head (the repeat of K/V over the group is not priced).
#include <vector>

#include "core/ops.hpp"

namespace lcperf::core {

// The forward (attention.backward false) or backward parts of `attention`, each
// distinct (q_len, kv_len) of its sequences one batched GEMM per matrix product.
std::vector<OpPart> unfused_attention_parts(const AttentionShape& attention, double dropout);

}  // namespace lcperf::core
