// Recomputes r from x instead of taking it from the forward: the forward kernel does not
// return it, and one pass over a row is cheap next to the GEMMs around the norm.
#include <cmath>

#include "kernels/norms_backward.hpp"

namespace lcperf::kernels {

void rmsnorm_bwd_cpu(std::int64_t rows, int cols, const float* x, const float* weight, float eps, const float* dy,
                     float* dx, float* dweight) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    const float* dyr = dy + r * cols;
    double ss = 0, dot = 0;
    for (int c = 0; c < cols; ++c) {
      ss += double(xr[c]) * xr[c];
      dot += double(dyr[c]) * weight[c] * xr[c];
    }
    const double inv = 1.0 / std::sqrt(ss / cols + eps);
    const double correction = inv * inv * inv * dot / cols;
    for (int c = 0; c < cols; ++c) {
      dx[r * cols + c] = static_cast<float>(inv * dyr[c] * weight[c] - xr[c] * correction);
      dweight[c] += static_cast<float>(double(dyr[c]) * xr[c] * inv);
    }
  }
}

}  // namespace lcperf::kernels
