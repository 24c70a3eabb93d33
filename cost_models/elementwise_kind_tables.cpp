// Per-kind element-wise curves as measured-table points; see elementwise_kind_tables.hpp.
#include "cost_models/elementwise_kind_tables.hpp"

#include <cmath>
#include <map>
#include <string>
#include <variant>

#include "cost_models/calibration_fit.hpp"
#include "cost_models/roofline.hpp"

namespace lcperf::cost {

namespace {

// The largest size a table point stands for: beyond any single kernel's data.
constexpr double kLargestBytes = 1099511627776.0;  // 2^40

// The kind's shape with about `bytes` bytes (at least one element).
core::ElementwiseShape sized(const core::ElementwiseShape& like, double bytes) {
  core::ElementwiseShape s = like;
  s.elements = std::max<std::int64_t>(1, std::llround(bytes / like.bytes_per_element));
  return s;
}

void append_kind(std::vector<MeasuredPoint>& out, const std::vector<const ProfileRow*>& rows,
                 const core::HardwareSpec& hw, int max_knots) {
  const auto& like = std::get<core::ElementwiseShape>(rows.front()->shape);
  std::vector<double> xs, ys;
  for (const ProfileRow* r : rows) {
    xs.push_back(std::log2(core::bytes_of(r->shape)));
    ys.push_back(std::log(r->median_s));
  }
  const PiecewiseLinear line = fit_piecewise_linear(xs, ys, std::vector<double>(xs.size(), 1.0), max_knots);
  const auto time_at = [&line](const core::ElementwiseShape& s) {
    return std::exp(line.at(std::log2(core::bytes_of(s))));
  };

  out.push_back({sized(like, 1.0), std::exp(line.values.front())});  // one element: latency only
  core::ElementwiseShape last;
  for (std::size_t j = 0; j < line.values.size(); ++j) {
    last = sized(like, std::exp2(line.x0 + line.spacing * static_cast<double>(j)));
    out.push_back({last, time_at(last)});
  }
  const core::ElementwiseShape largest = sized(like, kLargestBytes);
  out.push_back({largest, time_at(last) * ideal_time_s(largest, hw) / ideal_time_s(last, hw)});
}

}  // namespace

std::vector<MeasuredPoint> fit_elementwise_kind_tables(const std::vector<const ProfileRow*>& rows,
                                                       const core::HardwareSpec& hw, int max_knots) {
  std::map<std::string, std::vector<const ProfileRow*>> by_kind;
  for (const ProfileRow* r : rows) {
    const auto* e = std::get_if<core::ElementwiseShape>(&r->shape);
    if (e != nullptr && e->elements > 0 && r->median_s > 0) by_kind[e->kind].push_back(r);
  }
  std::vector<MeasuredPoint> points;
  for (const auto& [kind, kind_rows] : by_kind) append_kind(points, kind_rows, hw, max_knots);
  return points;
}

}  // namespace lcperf::cost
