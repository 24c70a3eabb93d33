#pragma once
// Row normalisations, fp32 CPU references. x, out: [rows, cols]; weight (and bias):
// [cols]. out may alias x.
//   RMSNorm:   out = x / sqrt(mean(x^2) + eps) * weight
//   LayerNorm: out = (x - mean) / sqrt(var + eps) * weight + bias   (biased variance)
#include <cstdint>

namespace lcperf::kernels {

void rmsnorm_cpu(std::int64_t rows, int cols, const float* x, const float* weight, float eps, float* out);
void layernorm_cpu(std::int64_t rows, int cols, const float* x, const float* weight, const float* bias, float eps,
                   float* out);

}  // namespace lcperf::kernels
