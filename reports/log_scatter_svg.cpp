#include "reports/log_scatter_svg.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "reports/format.hpp"
#include "reports/svg_plot.hpp"

namespace lcperf::reports {

namespace {

std::vector<double> ticks_with_mantissas(double lo, double hi, const std::vector<double>& mantissas) {
  std::vector<double> ticks;
  for (double decade = std::floor(std::log10(lo)); decade <= std::ceil(std::log10(hi)); decade += 1) {
    for (const double mantissa : mantissas) {
      // Built from the printed form, so 3 x 10^-1 is 0.3, not 0.30000000000000004.
      const double tick = std::stod(printf_string("%ge%d", mantissa, static_cast<int>(decade)));
      if (tick >= lo * (1 - 1e-12) && tick <= hi * (1 + 1e-12)) ticks.push_back(tick);
    }
  }
  return ticks;
}

std::string compact_tick(double value) {
  if (value >= 1e6) return printf_string("%gM", value / 1e6);
  if (value >= 1e4) return printf_string("%gk", value / 1e3);
  return printf_string("%g", value);
}

std::string line(double x1, double y1, double x2, double y2, const std::string& css_class,
                 const std::string& extra = "") {
  return "<line x1=\"" + svg::num(x1) + "\" y1=\"" + svg::num(y1) + "\" x2=\"" + svg::num(x2) + "\" y2=\"" +
         svg::num(y2) + "\" class=\"" + css_class + "\"" + extra + "/>\n";
}

// The data range both axes share: every coordinate, padded a little on log scale.
std::pair<double, double> shared_range(const std::vector<LogScatterPoint>& points) {
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const LogScatterPoint& p : points) {
    if (p.x <= 0 || p.y <= 0) continue;
    lo = std::min({lo, p.x, p.y});
    hi = std::max({hi, p.x, p.y});
  }
  if (!(hi > 0)) return {1, 10};
  if (hi / lo < 1.2) {
    lo /= 1.1;
    hi *= 1.1;
  }
  return {lo / 1.08, hi * 1.08};
}

}  // namespace

std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> ticks = ticks_with_mantissas(lo, hi, {1, 2, 5});
  if (ticks.size() < 3) ticks = ticks_with_mantissas(lo, hi, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  if (ticks.size() < 3) {
    ticks.clear();
    for (const double tick : svg::nice_ticks(lo, hi, 4)) {
      if (tick > 0) ticks.push_back(tick);
    }
  }
  return ticks;
}

std::string log_log_scatter_svg(const std::vector<LogScatterPoint>& points, const LogScatterLabels& labels) {
  const auto [lo, hi] = shared_range(points);
  svg::Frame f;
  f.left = 80;
  f.top = 50;
  f.width = 400;
  f.height = 400;
  f.x_lo = f.y_lo = std::log10(lo);
  f.x_hi = f.y_hi = std::log10(hi);
  const auto px = [&](double value) { return f.x(std::log10(value)); };
  const auto py = [&](double value) { return f.y(std::log10(value)); };
  const double bottom = f.top + f.height, right = f.left + f.width;
  constexpr int kWidth = 760, kHeight = 510;

  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" + std::to_string(kWidth) +
                    "\" height=\"" + std::to_string(kHeight) + "\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
                    std::to_string(kHeight) + "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  out += "<style>.title{font-size:15px;font-weight:bold}.label{font-size:12px;fill:#222}.tick{font-size:10px;fill:#444}"
         ".legend{font-size:11px}.axis{stroke:#444}.grid{stroke:#e3e3e3}.note{font-size:10px;fill:#666}"
         ".ideal{stroke:#333;stroke-width:1.2}.band{stroke:#999;stroke-dasharray:5 4}</style>\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  out += svg::text(f.left, 22, labels.title, "title");
  out += svg::text(f.left, 38, "log-log axes; solid line: simulated = measured" +
                                   (labels.band > 0 ? printf_string("; dashed: +-%g %%", labels.band * 100) : ""),
                   "note");
  for (const double tick : log_ticks(lo, hi)) {
    out += line(px(tick), f.top, px(tick), bottom, "grid") + line(f.left, py(tick), right, py(tick), "grid");
    out += svg::text(px(tick), bottom + 16, compact_tick(tick), "tick", "middle");
    out += svg::text(f.left - 6, py(tick) + 3, compact_tick(tick), "tick", "end");
  }
  out += line(f.left, bottom, right, bottom, "axis") + line(f.left, f.top, f.left, bottom, "axis");
  out += svg::text(f.left + f.width / 2, bottom + 36, labels.x_label, "label", "middle");
  const double cy = f.top + f.height / 2;
  out += "<text x=\"18\" y=\"" + svg::num(cy) + "\" class=\"label\" text-anchor=\"middle\" transform=\"rotate(-90 18 " +
         svg::num(cy) + ")\">" + svg::escape(labels.y_label) + "</text>\n";

  out += line(px(lo), py(lo), px(hi), py(hi), "ideal");
  if (labels.band > 0 && labels.band < 1) {
    const double up = 1 + labels.band, down = 1 - labels.band;
    out += line(px(lo), py(lo * up), px(hi / up), py(hi), "band");
    out += line(px(lo / down), py(lo), px(hi), py(hi * down), "band");
  }

  std::map<std::string, std::size_t> colour_of;
  std::vector<svg::LegendItem> legend;
  for (const LogScatterPoint& p : points) {
    if (!colour_of.count(p.group)) {
      colour_of.emplace(p.group, legend.size());
      legend.push_back({p.group, svg::series_colour(legend.size())});
    }
    if (p.x <= 0 || p.y <= 0) continue;
    out += svg::dot(px(p.x), py(p.y), 4.5, svg::series_colour(colour_of.at(p.group)), p.tip,
                    " fill-opacity=\"0.8\" stroke=\"#fff\" stroke-width=\"0.8\"");
  }
  out += svg::legend(legend, right + 24, f.top, kWidth - right - 30);
  return out + svg::end_chart();
}

}  // namespace lcperf::reports
