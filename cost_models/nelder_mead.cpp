// Nelder-Mead simplex; see nelder_mead.hpp.
#include "cost_models/nelder_mead.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace lcperf::cost {

namespace {

// a + t (b - a)
std::vector<double> along(const std::vector<double>& a, const std::vector<double>& b, double t) {
  std::vector<double> out(a.size());
  for (std::size_t j = 0; j < a.size(); ++j) out[j] = a[j] + t * (b[j] - a[j]);
  return out;
}

}  // namespace

SimplexResult nelder_mead(const std::function<double(const std::vector<double>&)>& f, std::vector<double> x0,
                          const std::vector<double>& step, int iterations, double tolerance) {
  const std::size_t n = x0.size();
  if (n == 0 || step.size() != n) throw std::invalid_argument("nelder_mead: need a start and one step per axis");
  std::vector<std::vector<double>> points{x0};
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> x = x0;
    x[i] += step[i];
    points.push_back(std::move(x));
  }
  std::vector<double> values;
  for (const auto& p : points) values.push_back(f(p));
  std::vector<std::size_t> order(n + 1);
  for (int it = 0; it < iterations; ++it) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    const std::size_t best = order.front(), worst = order.back(), second = order[n - 1];
    if (std::abs(values[worst] - values[best]) <= tolerance * (std::abs(values[best]) + tolerance)) break;
    std::vector<double> centroid(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) centroid[j] += points[order[i]][j] / static_cast<double>(n);
    }
    const std::vector<double> reflected = along(centroid, points[worst], -1.0);
    const double fr = f(reflected);
    if (fr < values[best]) {
      std::vector<double> expanded = along(centroid, points[worst], -2.0);
      const double fe = f(expanded);
      if (fe < fr) {
        points[worst] = std::move(expanded);
        values[worst] = fe;
      } else {
        points[worst] = reflected;
        values[worst] = fr;
      }
    } else if (fr < values[second]) {
      points[worst] = reflected;
      values[worst] = fr;
    } else {
      std::vector<double> contracted = along(centroid, points[worst], 0.5);
      const double fc = f(contracted);
      if (fc < values[worst]) {
        points[worst] = std::move(contracted);
        values[worst] = fc;
      } else {
        for (std::size_t i = 0; i <= n; ++i) {
          if (i == best) continue;
          points[i] = along(points[best], points[i], 0.5);
          values[i] = f(points[i]);
        }
      }
    }
  }
  const auto at = static_cast<std::size_t>(std::min_element(values.begin(), values.end()) - values.begin());
  return {points[at], values[at]};
}

}  // namespace lcperf::cost
