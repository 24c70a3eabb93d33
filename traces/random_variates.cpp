#include "traces/random_variates.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace lcperf::traces {

double uniform_open01(Rng& rng) {
  constexpr double kStep = 1.0 / 9007199254740992.0;  // 2^-53
  return (static_cast<double>(rng.bits53()) + 0.5) * kStep;
}

double standard_normal(Rng& rng) {
  const double radius = std::sqrt(-2.0 * std::log(uniform_open01(rng)));
  const double angle = 2.0 * std::numbers::pi * uniform_open01(rng);
  return radius * std::cos(angle);
}

double exponential(Rng& rng, double mean) {
  if (!(mean > 0.0) || !std::isfinite(mean)) throw std::invalid_argument("exponential: mean must be positive and finite");
  return -mean * std::log(uniform_open01(rng));
}

double gamma_variate(Rng& rng, double shape, double scale) {
  if (!(shape > 0.0) || !std::isfinite(shape) || !(scale > 0.0) || !std::isfinite(scale)) {
    throw std::invalid_argument("gamma_variate: shape and scale must be positive and finite");
  }
  if (shape < 1.0) {
    // Gamma(k) = Gamma(k + 1) * U^(1/k): keeps the k >= 1 method's fast acceptance.
    const double boosted = gamma_variate(rng, shape + 1.0, 1.0);
    return scale * boosted * std::pow(uniform_open01(rng), 1.0 / shape);
  }
  // Marsaglia–Tsang: X = d * (1 + c Z)^3 with d = k - 1/3, c = 1/sqrt(9d) is close to
  // Gamma(k); rejection on log U corrects it exactly. Acceptance is above 95% for all k.
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double z = standard_normal(rng);
    const double v_root = 1.0 + c * z;
    if (v_root <= 0.0) continue;
    const double v = v_root * v_root * v_root;
    const double u = uniform_open01(rng);
    // Cheap squeeze first; it accepts most draws without a log.
    if (u < 1.0 - 0.0331 * (z * z) * (z * z)) return scale * d * v;
    if (std::log(u) < 0.5 * z * z + d * (1.0 - v + std::log(v))) return scale * d * v;
  }
}

}  // namespace lcperf::traces
