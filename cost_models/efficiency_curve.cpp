#include "cost_models/efficiency_curve.hpp"

#include <algorithm>
#include <cmath>

namespace lcperf::cost {

namespace {
constexpr SizeVariable kAllVariables[] = {SizeVariable::flops, SizeVariable::bytes, SizeVariable::min_dim,
                                          SizeVariable::kv_len, SizeVariable::score_pairs};
}  // namespace

std::string_view to_string(SizeVariable variable) {
  switch (variable) {
    case SizeVariable::flops: return "flops";
    case SizeVariable::bytes: return "bytes";
    case SizeVariable::min_dim: return "min_dim";
    case SizeVariable::kv_len: return "kv_len";
    case SizeVariable::score_pairs: return "score_pairs";
  }
  return "?";
}

std::optional<SizeVariable> parse_size_variable(std::string_view text) {
  for (SizeVariable v : kAllVariables) {
    if (to_string(v) == text) return v;
  }
  return std::nullopt;
}

double EfficiencyCurve::at(double size) const {
  if (points.empty()) return 1.0;
  // Zero-sized ops (and anything below the table) take the smallest point's value.
  if (!(size > points.front().size)) return points.front().efficiency;
  if (size >= points.back().size) return points.back().efficiency;
  const auto upper = std::upper_bound(points.begin(), points.end(), size,
                                      [](double s, const CurvePoint& p) { return s < p.size; });
  const CurvePoint& hi = *upper;
  const CurvePoint& lo = *(upper - 1);
  const double t = (std::log2(size) - std::log2(lo.size)) / (std::log2(hi.size) - std::log2(lo.size));
  return lo.efficiency + t * (hi.efficiency - lo.efficiency);
}

EfficiencyCurve EfficiencyCurve::constant(SizeVariable variable, double efficiency) {
  return EfficiencyCurve{variable, {CurvePoint{1.0, efficiency}}};
}

}  // namespace lcperf::cost
