#include "core/cross_entropy_parts.hpp"

#include "core/elementwise_part.hpp"

namespace lcperf::core {

namespace {

// Per logit.
using Pass = ElementwiseCost;

// fused: bf16 logits in, fp32 softmax out; backward reads it and writes the gradient.
constexpr Pass kFused{"cross_entropy", 5, 6};
constexpr Pass kFusedBwd{"cross_entropy_bwd", 3, 6};

// unfused_fp32, forward: each pass reads (and the in-place ones write) fp32 logits.
constexpr Pass kUnfused[] = {
    {"cross_entropy_cast", 0, 6},    // logits.float(): read bf16, write fp32
    {"cross_entropy_max", 1, 4},     // row max
    {"cross_entropy_shift", 1, 8},   // subtract the max, in place
    {"cross_entropy_exp", 1, 8},     // exp, in place
    {"cross_entropy_sum", 1, 4},     // row sum of the exponentials
    {"cross_entropy_divide", 1, 8},  // softmax, in place, saved for the backward
};
// Backward: grad = softmax (the target's entry minus one, a per-token write), scaled by
// the loss gradient in place, then cast to bf16.
constexpr Pass kUnfusedBwd[] = {
    {"cross_entropy_scale_bwd", 1, 8},
    {"cross_entropy_cast_bwd", 0, 6},
};

}  // namespace

void append_cross_entropy_forward(std::vector<OpPart>& parts, std::int64_t logits, CrossEntropyImpl impl) {
  if (impl == CrossEntropyImpl::fused) {
    parts.push_back(elementwise_part(kFused, logits));
    return;
  }
  for (const Pass& pass : kUnfused) parts.push_back(elementwise_part(pass, logits));
}

void append_cross_entropy_backward(std::vector<OpPart>& parts, std::int64_t logits, CrossEntropyImpl impl) {
  if (impl == CrossEntropyImpl::fused) {
    parts.push_back(elementwise_part(kFusedBwd, logits));
    return;
  }
  for (const Pass& pass : kUnfusedBwd) parts.push_back(elementwise_part(pass, logits));
}

}  // namespace lcperf::core
