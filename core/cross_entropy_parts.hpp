#pragma once
// The loss over the LM head's logits [tokens, vocab shard] as element-wise op parts, for
// the two implementations `kernels.cross_entropy` names (scenarios/README.md):
// - fused: one pass reading the bf16 logits and writing an fp32 softmax (forward), one
//   pass turning it into the gradient (backward): what lcperf priced before the option.
// - unfused_fp32: Megatron-core's vocab-parallel cross-entropy as NeMo 24.x runs it
//   without loss fusion (megatron/core/tensor_parallel/cross_entropy.py): the logits are
//   copied to fp32 and every step is its own pass over the matrix (max, subtract the
//   max, exp, sum, divide; the softmax is kept for the backward); the backward scales
//   the saved softmax by the loss gradient in place and autograd casts the fp32 gradient
//   back to the logits' bf16 for the LM head's GEMMs. The per-token reductions across
//   the TP group stay with the caller (layer_ops.cpp).
#include <cstdint>
#include <vector>

#include "core/ops.hpp"
#include "core/scenario_options.hpp"

namespace lcperf::core {

void append_cross_entropy_forward(std::vector<OpPart>& parts, std::int64_t logits, CrossEntropyImpl impl);
void append_cross_entropy_backward(std::vector<OpPart>& parts, std::int64_t logits, CrossEntropyImpl impl);

}  // namespace lcperf::core
