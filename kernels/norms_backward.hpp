#pragma once
// RMSNorm backward, fp32 CPU reference (statistics in double). For
// out = x * r * weight with r = 1 / sqrt(mean(x^2) + eps) (norms.hpp):
//   dx      = r * (dy * weight) - x * r^3 * mean(dy * weight * x)      (overwritten)
//   dweight += sum over rows of dy * x * r                             (accumulated)
// dweight accumulates because training adds the contributions of many row blocks
// (chunks, micro-batches) into one weight gradient.
#include <cstdint>

namespace lcperf::kernels {

void rmsnorm_bwd_cpu(std::int64_t rows, int cols, const float* x, const float* weight, float eps, const float* dy,
                     float* dx, float* dweight);

}  // namespace lcperf::kernels
