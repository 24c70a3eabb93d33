// The published large-GEMM regime beyond the measured sizes; see curve_beyond_measured.hpp.
#include "cost_models/curve_beyond_measured.hpp"

#include <cmath>

namespace lcperf::cost {

namespace {

bool is_gemm_size(SizeVariable v) { return v == SizeVariable::flops || v == SizeVariable::min_dim; }

}  // namespace

double square_gemm_size(double size, SizeVariable from, SizeVariable to) {
  if (from == to) return size;
  if (from == SizeVariable::flops && to == SizeVariable::min_dim) return std::cbrt(size / 2.0);
  if (from == SizeVariable::min_dim && to == SizeVariable::flops) return 2.0 * size * size * size;
  return size;
}

EfficiencyCurve extend_beyond_measured(const EfficiencyCurve& fitted, double largest_measured,
                                       const EfficiencyCurve& base) {
  if (!is_gemm_size(fitted.variable) || !is_gemm_size(base.variable)) return fitted;
  EfficiencyCurve out = fitted;
  for (const CurvePoint& p : base.points) {
    const double size = square_gemm_size(p.size, base.variable, fitted.variable);
    const double last = out.points.empty() ? 0.0 : out.points.back().size;
    // A relative margin keeps a base point that round-trips through cbrt to the
    // measured edge (2 x 4096^3 FLOPs -> 4096.0000001) from adding a second point there.
    if (size > largest_measured * (1 + 1e-9) && size > last * (1 + 1e-9)) out.points.push_back({size, p.efficiency});
  }
  return out;
}

}  // namespace lcperf::cost
