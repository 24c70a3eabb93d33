// Least-squares efficiency curves and error statistics for `lcperf calibrate`.
#include "cost_models/calibration_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <Eigen/Dense>

namespace lcperf::cost {

namespace {

// Weight of knot j at x for knots evenly spaced from x0 with spacing h: the hat
// functions whose sum is the piecewise-linear interpolant EfficiencyCurve::at() uses.
double hat(double x, double x0, double h, int j, int knots) {
  if (knots == 1) return 1.0;
  const double t = (x - x0) / h;  // position in knot units
  const double clamped = std::clamp(t, 0.0, static_cast<double>(knots - 1));
  return std::max(0.0, 1.0 - std::abs(clamped - j));
}

// Second-difference weight against the data rows: small enough to leave well-sampled
// knots where the data put them, large enough that a knot with no sample near it
// follows its neighbours instead of being undetermined.
constexpr double kSmoothingWeight = 1e-4;

}  // namespace

double PiecewiseLinear::at(double x) const {
  const int knots = static_cast<int>(values.size());
  double sum = 0;
  for (int j = 0; j < knots; ++j) sum += hat(x, x0, spacing, j, knots) * values[static_cast<std::size_t>(j)];
  return sum;
}

PiecewiseLinear fit_piecewise_linear(const std::vector<double>& xs, const std::vector<double>& ys,
                                     const std::vector<double>& weights, int max_knots) {
  if (xs.empty() || xs.size() != ys.size() || xs.size() != weights.size()) {
    throw std::invalid_argument("fit_piecewise_linear: need equal, non-empty lists of x, y and weights");
  }
  std::vector<double> distinct = xs;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end(), [](double a, double b) { return std::abs(a - b) < 1e-9; }),
                 distinct.end());
  const int knots = std::max(1, std::min(max_knots, static_cast<int>(distinct.size())));
  PiecewiseLinear fit;
  fit.x0 = distinct.front();
  fit.spacing = knots > 1 ? (distinct.back() - fit.x0) / (knots - 1) : 1.0;

  const int data_rows = static_cast<int>(xs.size());
  const int penalty_rows = std::max(0, knots - 2);
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(data_rows + penalty_rows, knots);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(data_rows + penalty_rows);
  for (int i = 0; i < data_rows; ++i) {
    const auto row = static_cast<std::size_t>(i);
    for (int j = 0; j < knots; ++j) a(i, j) = hat(xs[row], fit.x0, fit.spacing, j, knots) * weights[row];
    b(i) = ys[row] * weights[row];
  }
  std::vector<double> sorted_weights = weights;
  std::nth_element(sorted_weights.begin(), sorted_weights.begin() + static_cast<long>(sorted_weights.size() / 2),
                   sorted_weights.end());
  const double penalty = std::sqrt(kSmoothingWeight * data_rows) * sorted_weights[sorted_weights.size() / 2];
  for (int p = 0; p < penalty_rows; ++p) {
    a(data_rows + p, p) = penalty;
    a(data_rows + p, p + 1) = -2.0 * penalty;
    a(data_rows + p, p + 2) = penalty;
  }
  const Eigen::VectorXd solution = a.colPivHouseholderQr().solve(b);
  for (int j = 0; j < knots; ++j) fit.values.push_back(solution(j));
  return fit;
}

CurveFit fit_efficiency_curve(SizeVariable variable, const std::vector<EfficiencySample>& samples, int max_knots) {
  std::vector<double> xs, efficiencies, weights;
  for (const EfficiencySample& s : samples) {
    if (!(s.size > 0 && s.efficiency > 0 && std::isfinite(s.size) && std::isfinite(s.efficiency))) continue;
    xs.push_back(std::log2(s.size));
    efficiencies.push_back(s.efficiency);
    weights.push_back(1.0 / s.efficiency);  // relative residuals: (curve(x_i) - e_i) / e_i
  }
  if (xs.empty()) throw std::invalid_argument("fit_efficiency_curve: no sample with positive size and efficiency");
  const PiecewiseLinear line = fit_piecewise_linear(xs, efficiencies, weights, max_knots);

  CurveFit fit;
  fit.curve.variable = variable;
  for (std::size_t j = 0; j < line.values.size(); ++j) {
    double e = line.values[j];
    if (!(e <= 1.0)) {
      e = 1.0;
      ++fit.clamped_points;
    } else if (!(e > 1e-6)) {
      e = 1e-6;
      ++fit.clamped_points;
    }
    fit.curve.points.push_back({std::exp2(line.x0 + line.spacing * static_cast<double>(j)), e});
  }
  return fit;
}

ErrorSummary summarize_relative_errors(const std::vector<double>& predicted_s, const std::vector<double>& measured_s) {
  if (predicted_s.size() != measured_s.size()) {
    throw std::invalid_argument("summarize_relative_errors: predicted and measured differ in length");
  }
  ErrorSummary summary;
  summary.count = measured_s.size();
  if (summary.count == 0) return summary;
  std::vector<double> errors;
  for (std::size_t i = 0; i < measured_s.size(); ++i) {
    errors.push_back(std::abs(predicted_s[i] - measured_s[i]) / measured_s[i]);
  }
  std::sort(errors.begin(), errors.end());
  const std::size_t n = errors.size();
  summary.median = n % 2 == 1 ? errors[n / 2] : 0.5 * (errors[n / 2 - 1] + errors[n / 2]);
  const std::size_t rank = (9 * n + 9) / 10;  // ceil(0.9 n) in integers: no rounding at n = 10, 20, ...
  summary.p90 = errors[rank - 1];
  summary.max = errors.back();
  return summary;
}

std::string format_percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * fraction);
  return text;
}

bool is_held_out(std::size_t index, std::size_t count, std::size_t every) {
  if (every < 2 || index == 0 || index + 1 >= count) return false;
  return index % every == every / 2;
}

}  // namespace lcperf::cost
