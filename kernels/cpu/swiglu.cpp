#include "kernels/swiglu.hpp"

#include <cmath>

namespace lcperf::kernels {

void swiglu_cpu(std::int64_t rows, int cols, const float* gate_up, float* out) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* g = gate_up + r * 2 * cols;
    const float* u = g + cols;
    for (int c = 0; c < cols; ++c) {
      out[r * cols + c] = static_cast<float>(g[c] / (1.0 + std::exp(-double(g[c]))) * u[c]);
    }
  }
}

}  // namespace lcperf::kernels
