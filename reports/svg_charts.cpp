#include "reports/svg_charts.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "core/memory_tag.hpp"
#include "core/units.hpp"
#include "reports/format.hpp"
#include "reports/pipeline_svg.hpp"
#include "reports/svg_plot.hpp"

namespace lcperf::reports {

namespace {

}  // namespace

std::string memory_svg(const core::RunRecords& records, int rank, const MemoryPanel& panel) {
  // Replay the rank's events into per-tag totals; one stacked sample per instant (the
  // last event at a time wins, since totals in between are not visible anyway).
  std::vector<const core::MemoryEvent*> events;
  for (const auto& e : records.memory) {
    if (e.rank == rank) events.push_back(&e);
  }
  std::stable_sort(events.begin(), events.end(), [](auto* a, auto* b) { return a->time_s < b->time_s; });
  std::array<double, core::kMemoryTagCount> current{};
  std::vector<double> times;
  std::vector<std::array<double, core::kMemoryTagCount>> samples;
  std::array<bool, core::kMemoryTagCount> used{};
  double peak = 0;
  for (const auto* e : events) {
    const auto tag = static_cast<std::size_t>(e->tag);
    current[tag] += static_cast<double>(e->delta_bytes);
    used[tag] = true;
    if (!times.empty() && times.back() == e->time_s) {
      samples.back() = current;
    } else {
      times.push_back(e->time_s);
      samples.push_back(current);
    }
    double sum = 0;
    for (const double v : current) sum += std::max(v, 0.0);
    peak = std::max(peak, sum);
  }
  const double t_end = std::max(records.end_time_s, times.empty() ? 1.0 : times.back());
  svg::Frame f;
  f.left = 80;
  f.top = 52;
  f.width = 420;
  f.height = 170;
  f.x_hi = t_end > 0 ? t_end : 1.0;
  f.y_hi = std::max(peak, panel.hbm_limit_bytes) > 0 ? std::max(peak, panel.hbm_limit_bytes) * 1.05 : 1.0;
  svg::Chart chart;
  chart.width = 520;
  chart.height = 270;
  chart.title = (panel.title.empty() ? "Memory of rank " + std::to_string(rank) : panel.title) + " (peak " +
                format_bytes(peak) + ")";
  chart.x_label = "simulated time";
  chart.y_label = "bytes in use";
  chart.x_ticks = svg::seconds_tick;
  chart.y_ticks = svg::bytes_tick;
  chart.y_unit = kGiB;

  std::string body;
  std::vector<svg::LegendItem> items;
  std::vector<double> below(times.size(), 0.0);  // top of the bands drawn so far
  for (std::size_t tag = 0; tag < core::kMemoryTagCount; ++tag) {
    if (!used[tag]) continue;
    const std::string colour = svg::series_colour(tag);
    const std::string name(core::to_string(static_cast<core::MemoryTag>(tag)));
    items.push_back({name, colour});
    std::vector<double> above(times.size());
    for (std::size_t i = 0; i < times.size(); ++i) above[i] = below[i] + std::max(samples[i][tag], 0.0);
    // A step area: the top edge forwards, then the band beneath backwards.
    std::vector<std::pair<double, double>> outline;
    for (std::size_t i = 0; i < times.size(); ++i) {
      const double next = i + 1 < times.size() ? times[i + 1] : t_end;
      outline.emplace_back(f.x(times[i]), f.y(above[i]));
      outline.emplace_back(f.x(next), f.y(above[i]));
    }
    for (std::size_t i = times.size(); i-- > 0;) {
      const double next = i + 1 < times.size() ? times[i + 1] : t_end;
      outline.emplace_back(f.x(next), f.y(below[i]));
      outline.emplace_back(f.x(times[i]), f.y(below[i]));
    }
    body += svg::polygon(outline, colour, name);
    below = std::move(above);
  }
  if (panel.hbm_limit_bytes > 0) {
    // The device's capacity: a band that reaches it is an out-of-memory run.
    const double y = f.y(panel.hbm_limit_bytes);
    body += svg::polyline({{f.x(0), y}, {f.x(f.x_hi), y}}, "#d00", 1.5, " stroke-dasharray=\"6 4\" class=\"hbm\"");
    body += svg::text(f.x(f.x_hi) - 4, y - 4, "HBM limit " + format_bytes(panel.hbm_limit_bytes), "legend", "end");
  }
  return svg::begin_chart(chart, f) + body + svg::legend(items, f.left, 28, f.width) + svg::end_chart();
}

std::vector<std::size_t> pareto_front(const std::vector<SweepPoint>& points) {
  std::vector<std::size_t> order(points.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (points[a].peak_memory_bytes != points[b].peak_memory_bytes) {
      return points[a].peak_memory_bytes < points[b].peak_memory_bytes;
    }
    return points[a].tokens_per_s > points[b].tokens_per_s;
  });
  // Walking by increasing memory, a point is on the front when it beats every cheaper one.
  std::vector<std::size_t> front;
  double best = -std::numeric_limits<double>::infinity();
  for (const std::size_t i : order) {
    if (points[i].tokens_per_s > best) {
      front.push_back(i);
      best = points[i].tokens_per_s;
    }
  }
  return front;
}

namespace {

// Axis range with a little air, so dots at the extremes are not cut by the frame.
std::pair<double, double> padded(double lo, double hi) {
  if (!(hi > lo)) return {lo > 0 ? lo * 0.9 : lo - 1, hi > 0 ? hi * 1.1 : hi + 1};
  const double pad = (hi - lo) * 0.06;
  return {lo - pad < 0 && lo >= 0 ? 0 : lo - pad, hi + pad};
}

std::string gib_tick(double value) { return printf_string("%g", std::round(value / kGiB * 100) / 100); }

}  // namespace

std::string sweep_scatter_svg(const std::vector<SweepPoint>& points, const std::string& title) {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = 0, y_lo = x_lo, y_hi = 0;
  for (const auto& p : points) {
    x_lo = std::min(x_lo, p.peak_memory_bytes);
    x_hi = std::max(x_hi, p.peak_memory_bytes);
    y_lo = std::min(y_lo, p.tokens_per_s);
    y_hi = std::max(y_hi, p.tokens_per_s);
  }
  if (points.empty()) x_lo = y_lo = 0;
  svg::Frame f;
  f.left = 80;
  f.top = 66;
  f.width = 780;
  f.height = 340;
  std::tie(f.x_lo, f.x_hi) = padded(x_lo, x_hi);
  std::tie(f.y_lo, f.y_hi) = padded(y_lo, y_hi);
  svg::Chart chart;
  chart.width = 900;
  chart.height = 460;
  chart.title = title;
  chart.x_label = "peak memory per GPU (GiB)";
  chart.y_label = "throughput (tokens/s)";
  chart.x_ticks = gib_tick;
  chart.x_unit = kGiB;
  chart.y_ticks = svg::thousands_tick;

  std::map<std::string, std::string> colour_of;
  for (const auto& p : points) colour_of.emplace(p.group, "");
  std::vector<svg::LegendItem> items;
  std::size_t n = 0;
  for (auto& [group, colour] : colour_of) {
    colour = svg::series_colour(n++);
    items.push_back({group, colour});
  }
  std::string body;
  const std::vector<std::size_t> front = pareto_front(points);
  std::vector<std::pair<double, double>> line;
  for (const std::size_t i : front) {
    // Steps: memory must grow before throughput does.
    if (!line.empty()) line.emplace_back(f.x(points[i].peak_memory_bytes), line.back().second);
    line.emplace_back(f.x(points[i].peak_memory_bytes), f.y(points[i].tokens_per_s));
  }
  body += svg::polyline(line, "#333", 1.2, " stroke-dasharray=\"4 3\"");
  for (const auto& p : points) {
    body += svg::dot(f.x(p.peak_memory_bytes), f.y(p.tokens_per_s), 4.5, colour_of[p.group],
                     p.label + ": " + format_tokens_per_s(p.tokens_per_s) + ", " + format_bytes(p.peak_memory_bytes),
                     " fill-opacity=\"0.85\"");
  }
  double last_label_y = std::numeric_limits<double>::infinity();
  for (const std::size_t i : front) {
    body += svg::dot(f.x(points[i].peak_memory_bytes), f.y(points[i].tokens_per_s), 7.5, "none", "",
                     " stroke=\"#111\" stroke-width=\"1.5\"");
    // Front points are labelled on the chart, unless the label would sit on the previous
    // one (a dense front; the dot keeps its tooltip); a label that would leave the plot
    // on the right is set to the point's left.
    const double label_y = f.y(points[i].tokens_per_s) - 8;
    if (points[i].short_label.empty() || std::abs(label_y - last_label_y) < 16) continue;
    last_label_y = label_y;
    const double x = f.x(points[i].peak_memory_bytes);
    const bool left = x + 10 + 6.0 * static_cast<double>(points[i].short_label.size()) > f.left + f.width;
    body += svg::text(left ? x - 10 : x + 10, label_y, points[i].short_label, "legend",
                      left ? "end" : "start");
  }
  items.push_back({"Pareto front (ringed)", "#333"});
  return svg::begin_chart(chart, f) + svg::legend(items, f.left, 30, f.width) + body + svg::end_chart();
}

std::string cdf_svg(const std::vector<CdfSeries>& series, const std::string& title, const std::string& x_label,
                    const std::vector<CdfMark>& marks) {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = 0;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) {
      x_lo = std::min(x_lo, x);
      x_hi = std::max(x_hi, x);
    }
  }
  for (const CdfMark& m : marks) x_hi = std::max(x_hi, m.value);
  svg::Frame f;
  f.left = 70;
  f.top = 56;
  f.width = 400;
  f.height = 200;
  f.x_hi = x_hi > 0 ? x_hi * 1.08 : 1.0;
  // Latencies bunched far from zero (every TPOT near 3.5 ms) would rise in one pixel
  // column on an axis from 0: the axis then starts a little below the smallest value.
  if (std::isfinite(x_lo) && x_lo > 0.4 * x_hi) f.x_lo = x_lo - 0.1 * (x_hi - x_lo);
  svg::Chart chart;
  chart.width = 500;
  chart.height = 310;
  chart.title = title;
  chart.x_label = x_label;
  chart.y_label = "fraction of requests";
  chart.x_ticks = svg::seconds_tick;
  std::string body;
  std::vector<svg::LegendItem> items;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const std::string colour = svg::series_colour(k);
    items.push_back({series[k].name, colour});
    // Right-continuous steps from the axis' start: flat until a value, then up to its fraction.
    std::vector<std::pair<double, double>> line{{f.x(f.x_lo), f.y(0)}};
    double level = 0;
    for (const auto& [x, y] : series[k].points) {
      line.emplace_back(f.x(x), f.y(level));
      line.emplace_back(f.x(x), f.y(y));
      level = y;
    }
    body += svg::polyline(line, colour, 2);
    // Dots show where a CDF of a few points has data; on one step per request they
    // would only hide the line.
    if (series[k].points.size() > kCdfDotsUpTo) continue;
    for (const auto& [x, y] : series[k].points) {
      body += svg::dot(f.x(x), f.y(y), 3, colour, series[k].name + ": " + printf_string("%g", y * 100) +
                                                     " % within " + format_duration(x));
    }
  }
  // Percentile marks: a dashed line each. A CDF leaves the area under it, right of its
  // median, empty: the labels go there, one row each below a fraction of 0.45, beside
  // their line (to its left where the plot's right edge is near).
  for (std::size_t i = 0; i < marks.size(); ++i) {
    const double x = f.x(marks[i].value);
    body += svg::polyline({{x, f.y(0)}, {x, f.y(1)}}, "#555", 1, " stroke-dasharray=\"3 3\"");
    const std::string label = marks[i].label + " " + format_duration(marks[i].value);
    const bool left = x + 6.0 * static_cast<double>(label.size()) > f.left + f.width;
    body += svg::text(left ? x - 3 : x + 3, f.y(0.42 - 0.09 * static_cast<double>(i % 5)), label, "note",
                      left ? "end" : "start");
  }
  return svg::begin_chart(chart, f) + svg::legend(items, f.left, 28, f.width) + body + svg::end_chart();
}

std::string xy_svg(const std::vector<std::pair<double, double>>& points, const std::string& title,
                   const std::string& x_label, const std::string& y_label) {
  double x_hi = 0, y_hi = 0;
  for (const auto& [x, y] : points) {
    x_hi = std::max(x_hi, x);
    y_hi = std::max(y_hi, y);
  }
  svg::Frame f;
  f.left = 80;
  f.top = 40;
  f.width = 390;
  f.height = 210;
  f.x_hi = x_hi > 0 ? x_hi * 1.25 : 1.0;
  f.y_hi = y_hi > 0 ? y_hi * 1.25 : 1.0;
  svg::Chart chart;
  chart.width = 500;
  chart.height = 310;
  chart.title = title;
  chart.x_label = x_label;
  chart.y_label = y_label;
  chart.y_ticks = svg::thousands_tick;
  std::string body;
  std::vector<std::pair<double, double>> line;
  for (const auto& [x, y] : points) line.emplace_back(f.x(x), f.y(y));
  if (line.size() > 1) body += svg::polyline(line, svg::series_colour(0), 1.5);
  for (const auto& [x, y] : points) {
    body += svg::dot(f.x(x), f.y(y), 5, svg::series_colour(0), printf_string("load %g, throughput %g", x, y));
  }
  return svg::begin_chart(chart, f) + body + svg::end_chart();
}

}  // namespace lcperf::reports
