#pragma once
// The numeric pieces of calibration: a least-squares fit of one efficiency curve to
// the efficiencies measured rows needed, and the error statistics reported for it.
#include <cstddef>
#include <string>
#include <vector>

#include "cost_models/efficiency_curve.hpp"

namespace lcperf::cost {

// One measured row seen by one curve: at `size` (the curve's variable) the row needed
// `efficiency` (work / (peak * measured time)) to match its measured time.
struct EfficiencySample {
  double size = 0;
  double efficiency = 0;
};

struct CurveFit {
  EfficiencyCurve curve;
  int clamped_points = 0;  // knots the fit put above 1 (the hardware peak is too low) or at/below 0
};

// A piecewise-linear function of x, flat outside its knots: knots[j] = x0 + j * spacing.
struct PiecewiseLinear {
  double x0 = 0;
  double spacing = 1;
  std::vector<double> values;  // at the knots

  double at(double x) const;
  double last_x() const { return x0 + spacing * static_cast<double>(values.size() - 1); }
};

// Weighted least squares of ys on a piecewise-linear function of xs (Eigen, column-
// pivoting QR): knots at min(max_knots, distinct xs) points evenly spaced between the
// smallest and largest x, their values the unknowns, residual i weighted by
// weights[i], plus a tiny second-difference penalty (scaled by the median weight) so a
// knot with no sample near it follows its neighbours instead of being undetermined.
// Requires equal, non-empty lists of finite values.
PiecewiseLinear fit_piecewise_linear(const std::vector<double>& xs, const std::vector<double>& ys,
                                     const std::vector<double>& weights, int max_knots);

// Fits a curve of the format the cost model reads (piecewise linear in log2(size), flat
// outside) to the samples: knots at min(max_knots, distinct sizes) points evenly spaced
// in log2 between the smallest and largest sample size, knot efficiencies from a
// weighted linear least-squares problem (Eigen, column-pivoting QR). Residuals are
// relative (each row weighted by 1 / its efficiency), so a 10 % miss counts the same
// on a slow row as on a fast one, and time error ~= efficiency error to first order.
// A tiny second-difference penalty keeps knots with no samples nearby determined.
// Knots are clamped into (0, 1]. Requires at least one sample with size, efficiency > 0.
CurveFit fit_efficiency_curve(SizeVariable variable, const std::vector<EfficiencySample>& samples, int max_knots);

struct ErrorSummary {
  std::size_t count = 0;
  double median = 0;  // of |predicted - measured| / measured
  double p90 = 0;     // nearest rank: the ceil(0.9 n)-th smallest
  double max = 0;
};

// Statistics of relative errors |predicted_i - measured_i| / measured_i (count 0 and
// zeros when the lists are empty).
ErrorSummary summarize_relative_errors(const std::vector<double>& predicted_s, const std::vector<double>& measured_s);

// "3.1%": a fraction as a percentage with one decimal, for reports.
std::string format_percent(double fraction);

// Deterministic hold-out: of n rows sorted by size, row i is held out when
// i % every == every / 2 and it is neither the first nor the last (a held-out row is
// always interpolated, never extrapolated). every = 5 holds out about 20 %.
bool is_held_out(std::size_t index, std::size_t count, std::size_t every);

}  // namespace lcperf::cost
