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

constexpr const char* kIdleColour = "#e4e4e4";
// Ops closer than this on screen are drawn as one box: a layer-granularity timeline has
// thousands of back-to-back ops that would otherwise bloat the page.
constexpr double kMergePx = 0.5;

struct Span {
  double x0, x1;
  std::string category;
  int ops;
};

// Communication streams (1 send, 2 recv, 3 collective) get the p2p / collective colours
// even when recorded under a generic category, as in pipeline_svg.
std::string lane_category(const core::TimelineRecord& r) {
  if (r.stream == 0) return r.category;
  if (r.category == "collective" || r.stream == 3) return "collective";
  return "p2p";
}

std::vector<Span> merged(std::vector<const core::TimelineRecord*> lane, const svg::Frame& f, double t0) {
  std::stable_sort(lane.begin(), lane.end(), [](auto* a, auto* b) { return a->start_s < b->start_s; });
  std::vector<Span> spans;
  for (const auto* r : lane) {
    Span s{f.x(r->start_s - t0), f.x(r->end_s - t0), lane_category(*r), 1};
    if (!spans.empty() && spans.back().category == s.category && s.x0 - spans.back().x1 < kMergePx) {
      spans.back().x1 = std::max(spans.back().x1, s.x1);
      ++spans.back().ops;
    } else {
      spans.push_back(s);
    }
  }
  return spans;
}

}  // namespace

std::string gantt_svg(const core::RunRecords& records, int max_ranks) {
  std::map<int, std::pair<std::vector<const core::TimelineRecord*>, std::vector<const core::TimelineRecord*>>> lanes;
  double t0 = std::numeric_limits<double>::infinity(), t1 = 0;
  for (const auto& r : records.timeline) {
    auto& lane = lanes[r.rank];
    (r.stream == 0 ? lane.first : lane.second).push_back(&r);
    t0 = std::min(t0, r.start_s);
    t1 = std::max(t1, r.end_s);
  }
  if (lanes.empty()) t0 = 0;
  const std::size_t total = lanes.size();
  while (lanes.size() > static_cast<std::size_t>(std::max(max_ranks, 1))) lanes.erase(std::prev(lanes.end()));
  constexpr double kRow = 30, kCompute = 17, kComm = 7;
  svg::Frame f;
  f.left = 70;
  f.top = 62;
  f.width = 1000;
  f.height = kRow * static_cast<double>(std::max<std::size_t>(lanes.size(), 1));
  f.x_lo = 0;
  f.x_hi = std::max(t1 - t0, 1e-9);
  f.y_lo = 0;
  f.y_hi = 1;
  svg::Chart chart;
  chart.width = 1100;
  chart.height = static_cast<int>(f.top + f.height + 46);
  chart.title = "Pipeline timeline per rank";
  if (lanes.size() < total) chart.title += " (first " + std::to_string(lanes.size()) + " of " + std::to_string(total) + " ranks)";
  chart.x_label = "time since the first op";
  chart.x_ticks = svg::seconds_tick;
  chart.y_ticks = [](double) { return std::string(); };
  chart.y_grid = false;

  std::set<std::string> present;
  std::string body;
  double row_top = f.top;
  for (const auto& [rank, lane] : lanes) {
    body += svg::text(f.left - 8, row_top + 15, "rank " + std::to_string(rank), "legend", "end");
    // Idle first, underneath: the whole row, then the busy compute spans over it.
    body += svg::rect(f.left, row_top + 3, f.width, kCompute, kIdleColour, "idle (compute stream)");
    for (const Span& s : merged(lane.first, f, t0)) {
      present.insert(s.category);
      body += svg::rect(s.x0, row_top + 3, std::max(s.x1 - s.x0, 0.5), kCompute,
                        category_colour(s.category), s.category + " x" + std::to_string(s.ops));
    }
    for (const Span& s : merged(lane.second, f, t0)) {
      present.insert(s.category);
      body += svg::rect(s.x0, row_top + 3 + kCompute + 1, std::max(s.x1 - s.x0, 0.5), kComm,
                        category_colour(s.category), s.category + " x" + std::to_string(s.ops));
    }
    row_top += kRow;
  }
  std::vector<svg::LegendItem> items;
  for (const char* c : {"forward", "backward", "recompute", "optimizer", "p2p", "collective"}) {
    if (present.count(c)) items.push_back({c == std::string("p2p") ? "p2p send/recv" : c, category_colour(c)});
  }
  bool other = false;
  for (const auto& c : present) other = other || category_colour(c) == category_colour("?");
  if (other) items.push_back({"other", category_colour("?")});
  items.push_back({"idle", kIdleColour});
  return svg::begin_chart(chart, f) + svg::legend(items, f.left, 32, f.width) + body + svg::end_chart();
}


std::string memory_svg(const core::RunRecords& records, int rank) {
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
  f.y_hi = peak > 0 ? peak * 1.05 : 1.0;
  svg::Chart chart;
  chart.width = 520;
  chart.height = 270;
  chart.title = "Memory of rank " + std::to_string(rank) + " (peak " + format_bytes(peak) + ")";
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
std::string k_tick(double value) {
  return std::abs(value) >= 1000 ? printf_string("%gk", value / 1000) : printf_string("%g", value);
}

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
  chart.y_ticks = k_tick;

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
  for (const std::size_t i : front) {
    body += svg::dot(f.x(points[i].peak_memory_bytes), f.y(points[i].tokens_per_s), 7.5, "none", "",
                     " stroke=\"#111\" stroke-width=\"1.5\"");
  }
  items.push_back({"Pareto front (ringed)", "#333"});
  return svg::begin_chart(chart, f) + svg::legend(items, f.left, 30, f.width) + body + svg::end_chart();
}

std::string cdf_svg(const std::vector<CdfSeries>& series, const std::string& title, const std::string& x_label) {
  double x_hi = 0;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) x_hi = std::max(x_hi, x);
  }
  svg::Frame f;
  f.left = 70;
  f.top = 56;
  f.width = 400;
  f.height = 200;
  f.x_hi = x_hi > 0 ? x_hi * 1.08 : 1.0;
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
    // Right-continuous steps from (0, 0): flat until a value, then up to its fraction.
    std::vector<std::pair<double, double>> line{{f.x(0), f.y(0)}};
    double level = 0;
    for (const auto& [x, y] : series[k].points) {
      line.emplace_back(f.x(x), f.y(level));
      line.emplace_back(f.x(x), f.y(y));
      level = y;
    }
    body += svg::polyline(line, colour, 2);
    for (const auto& [x, y] : series[k].points) {
      body += svg::dot(f.x(x), f.y(y), 3, colour, series[k].name + ": " + printf_string("%g", y * 100) +
                                                     " % within " + format_duration(x));
    }
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
  chart.y_ticks = k_tick;
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
