// Statistics in double so the reference does not share the fp32 rounding of the
// kernels it checks.
#include <cmath>

#include "kernels/norms.hpp"

namespace lcperf::kernels {

void rmsnorm_cpu(std::int64_t rows, int cols, const float* x, const float* weight, float eps, float* out) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    double ss = 0;
    for (int c = 0; c < cols; ++c) ss += double(xr[c]) * xr[c];
    const double inv = 1.0 / std::sqrt(ss / cols + eps);
    for (int c = 0; c < cols; ++c) out[r * cols + c] = static_cast<float>(xr[c] * inv * weight[c]);
  }
}

void layernorm_cpu(std::int64_t rows, int cols, const float* x, const float* weight, const float* bias, float eps,
                   float* out) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    double mean = 0;
    for (int c = 0; c < cols; ++c) mean += xr[c];
    mean /= cols;
    double var = 0;
    for (int c = 0; c < cols; ++c) var += (xr[c] - mean) * (xr[c] - mean);
    const double inv = 1.0 / std::sqrt(var / cols + eps);
    for (int c = 0; c < cols; ++c) out[r * cols + c] = static_cast<float>((xr[c] - mean) * inv * weight[c] + bias[c]);
  }
}

}  // namespace lcperf::kernels
