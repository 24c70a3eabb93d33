#include <cmath>

#include "kernels/swiglu_backward.hpp"

namespace lcperf::kernels {

void swiglu_bwd_cpu(std::int64_t rows, int cols, const float* gate_up, const float* dout, float* dgate_up) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* g = gate_up + r * 2 * cols;
    const float* u = g + cols;
    float* dg = dgate_up + r * 2 * cols;
    float* du = dg + cols;
    for (int c = 0; c < cols; ++c) {
      const double gate = g[c];
      const double sigmoid = 1.0 / (1.0 + std::exp(-gate));
      const double grad = dout[r * cols + c];
      dg[c] = static_cast<float>(grad * u[c] * sigmoid * (1.0 + gate * (1.0 - sigmoid)));
      du[c] = static_cast<float>(grad * gate * sigmoid);
    }
  }
}

}  // namespace lcperf::kernels
