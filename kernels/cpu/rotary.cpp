// Angles in double: positions reach 1e6 with theta 1e7, where fp32 angles lose the
// low bits that decide the rotation.
#include <cmath>

#include "kernels/rotary.hpp"

namespace lcperf::kernels {

void rotary_cpu(std::int64_t tokens, int heads, int head_dim, const std::int64_t* positions, double theta,
                const float* x, float* out) {
  const int half = head_dim / 2;
  for (std::int64_t t = 0; t < tokens; ++t) {
    for (int i = 0; i < half; ++i) {
      const double angle = double(positions[t]) * std::pow(theta, -2.0 * i / head_dim);
      const double c = std::cos(angle), s = std::sin(angle);
      for (int h = 0; h < heads; ++h) {
        const std::int64_t base = (t * heads + h) * head_dim;
        const double a = x[base + i], b = x[base + i + half];
        out[base + i] = static_cast<float>(a * c - b * s);
        out[base + i + half] = static_cast<float>(b * c + a * s);
      }
    }
  }
}

}  // namespace lcperf::kernels
