#pragma once
// Softmax cross-entropy over a vocabulary, fp32 CPU reference (log-sum-exp in double).
//   logits [rows, vocab], labels [rows] in [0, vocab).
// cross_entropy_sum_cpu returns sum over rows of (logsumexp(logits_r) - logits_r[label_r]);
// the caller divides by whatever token count its loss is normalised by.
// cross_entropy_bwd_cpu writes dlogits = scale * (softmax(logits_r) - onehot(label_r)),
// the gradient of scale * that sum (scale = 1 / normalising tokens for a mean loss).
// Throws std::invalid_argument for a label outside [0, vocab).
#include <cstdint>

namespace lcperf::kernels {

double cross_entropy_sum_cpu(std::int64_t rows, int vocab, const float* logits, const std::int32_t* labels);

void cross_entropy_bwd_cpu(std::int64_t rows, int vocab, const float* logits, const std::int32_t* labels, float scale,
                           float* dlogits);

}  // namespace lcperf::kernels
