#include "reports/serving_charts.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "reports/format.hpp"
#include "reports/log_scatter_svg.hpp"

namespace lcperf::reports {

std::vector<std::pair<double, double>> empirical_cdf(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::vector<std::pair<double, double>> points;
  points.reserve(values.size());
  const double n = static_cast<double>(values.size());
  for (std::size_t k = 0; k < values.size(); ++k) points.emplace_back(values[k], static_cast<double>(k + 1) / n);
  return points;
}

namespace {

// A bin edge in three significant digits and its unit (log bins' edges are not round).
std::string edge_text(double seconds) {
  if (seconds >= 1) return printf_string("%.3g s", seconds);
  if (seconds >= 1e-3) return printf_string("%.3g ms", seconds * 1e3);
  return printf_string("%.3g us", seconds * 1e6);
}

}  // namespace

std::string histogram_svg(const std::vector<double>& upper_edges_s, const std::vector<double>& counts,
                          const std::string& title, const std::string& x_label) {
  const std::size_t bins = std::min(upper_edges_s.size(), counts.size());
  double top = 0, total = 0;
  for (std::size_t i = 0; i < bins; ++i) {
    top = std::max(top, counts[i]);
    total += counts[i];
  }
  svg::Frame f;
  f.left = 70;
  f.top = 40;
  f.width = 900;
  f.height = 220;
  f.x_hi = bins > 0 ? static_cast<double>(bins) : 1.0;
  f.y_hi = top > 0 ? top * 1.1 : 1.0;
  svg::Chart chart;
  chart.width = 1000;
  chart.height = 330;
  chart.title = title;
  chart.x_label = x_label;
  chart.y_label = "tokens";
  // The axis counts bins; the labels under it are the bins' edges, written below.
  chart.x_ticks = [](double) { return std::string(); };
  chart.y_ticks = svg::thousands_tick;
  std::string body;
  const double width = f.x(1) - f.x(0);
  for (std::size_t i = 0; i < bins; ++i) {
    const double lower = i == 0 ? 0.0 : upper_edges_s[i - 1];
    const double share = total > 0 ? counts[i] / total : 0;
    body += svg::rect(f.x(static_cast<double>(i)) + 0.5, f.y(counts[i]), std::max(width - 1, 0.5),
                      f.y(0) - f.y(counts[i]), svg::series_colour(0),
                      format_duration(lower) + " to " + format_duration(upper_edges_s[i]) + ": " +
                          printf_string("%.0f", counts[i]) + " tokens (" + format_percent(share) + ")");
  }
  // Edge labels at the ticks the axis drew (bin boundaries), each the upper edge of the
  // bin to its left.
  for (const double tick : svg::nice_ticks(f.x_lo, f.x_hi, 8)) {
    const auto k = static_cast<std::size_t>(std::llround(tick));
    if (k == 0 || k > bins) continue;
    body += svg::text(f.x(tick), f.y(0) + 16, edge_text(upper_edges_s[k - 1]), "tick", "middle");
  }
  return svg::begin_chart(chart, f) + body + svg::end_chart();
}

namespace {

// At most `columns` points: per column of x, the point with the largest y.
std::vector<std::pair<double, double>> thinned(const std::vector<std::pair<double, double>>& points, double x_lo,
                                               double x_hi, std::size_t columns) {
  if (points.size() <= 2 * columns || !(x_hi > x_lo)) return points;
  std::vector<std::pair<double, double>> out;
  std::size_t column = std::numeric_limits<std::size_t>::max();
  for (const auto& p : points) {
    const auto c = static_cast<std::size_t>((p.first - x_lo) / (x_hi - x_lo) * static_cast<double>(columns));
    if (out.empty() || c != column) {
      out.push_back(p);
      column = c;
    } else if (p.second > out.back().second) {
      out.back().second = p.second;
    }
  }
  return out;
}

}  // namespace

std::string lines_svg(const std::vector<LineSeries>& series, const LineAxes& axes) {
  // On a log axis every x is drawn at its logarithm; the ticks are then drawn here.
  const auto at = [&axes](double x) { return axes.log_x ? std::log10(x) : x; };
  const auto shown = [&axes](double x) { return !axes.log_x || x > 0; };
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_hi = 0;
  for (const LineSeries& s : series) {
    for (const auto& [x, y] : s.points) {
      if (!shown(x)) continue;
      x_lo = std::min(x_lo, at(x));
      x_hi = std::max(x_hi, at(x));
      y_hi = std::max(y_hi, y);
    }
  }
  if (!(x_hi >= x_lo)) x_lo = x_hi = 0;
  const bool dotted = std::any_of(series.begin(), series.end(), [](const LineSeries& s) { return s.dots; });
  svg::Frame f;
  f.left = 80;
  f.top = 56;
  f.width = 400;
  f.height = 200;
  // Measured points get air on both sides; a time axis starts at its first sample.
  const double pad = dotted ? (x_hi > x_lo ? (x_hi - x_lo) * 0.06 : std::max(std::abs(x_hi) * 0.1, 1.0)) : 0;
  f.x_lo = dotted && !axes.log_x ? std::max(0.0, x_lo - pad) : x_lo - pad;
  f.x_hi = x_hi > x_lo ? x_hi + pad : x_lo + 1;
  f.y_hi = axes.y_max > 0 ? axes.y_max : (y_hi > 0 ? y_hi * 1.1 : 1.0);
  svg::Chart chart;
  chart.width = 500;
  chart.height = 310;
  chart.title = axes.title;
  chart.x_label = axes.x_label + (axes.log_x ? ", log scale" : "");
  chart.y_label = axes.y_label;
  chart.x_ticks = axes.x_ticks;
  chart.y_ticks = axes.y_ticks;
  chart.x_axis_ticks = !axes.log_x;
  std::string body;
  if (axes.log_x) {
    const double bottom = f.y(f.y_lo);
    for (const double tick : log_ticks(std::pow(10.0, f.x_lo), std::pow(10.0, f.x_hi))) {
      const double x = f.x(std::log10(tick));
      body += svg::polyline({{x, bottom}, {x, bottom + 4}}, "#444", 1) +
              svg::text(x, bottom + 16, axes.x_ticks(tick), "tick", "middle");
    }
  }
  std::vector<svg::LegendItem> items;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const std::string colour = svg::series_colour(k);
    items.push_back({series[k].name, colour});
    std::vector<std::pair<double, double>> drawn;
    for (const auto& [x, y] : series[k].points) {
      if (shown(x)) drawn.emplace_back(at(x), y);
    }
    std::vector<std::pair<double, double>> line;
    for (const auto& [x, y] : thinned(drawn, f.x_lo, f.x_hi, static_cast<std::size_t>(f.width))) {
      if (series[k].steps && !line.empty()) line.emplace_back(f.x(x), line.back().second);
      line.emplace_back(f.x(x), f.y(y));
    }
    body += svg::polyline(line, colour, series[k].steps ? 1.2 : 1.8);
    if (!series[k].dots) continue;
    for (const auto& [x, y] : series[k].points) {
      if (!shown(x)) continue;
      body += svg::dot(f.x(at(x)), f.y(y), 3.5, colour, series[k].name + ": " + printf_string("%.4g at %.4g", y, x));
    }
  }
  return svg::begin_chart(chart, f) + svg::legend(items, f.left, 28, f.width) + body + svg::end_chart();
}

}  // namespace lcperf::reports
