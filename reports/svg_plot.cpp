#include "reports/svg_plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/units.hpp"
#include "reports/format.hpp"

namespace lcperf::reports::svg {

std::string escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double value) { return printf_string("%.2f", value); }

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(target, 1);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10.0 * power;
  for (const double multiple : {1.0, 2.0, 5.0}) {
    if (multiple * power >= raw) {
      step = multiple * power;
      break;
    }
  }
  std::vector<double> ticks;
  // Rounded to the step so labels print as 0.3, not 0.30000000000000004.
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1) ticks.push_back(k * step + 0.0);  // + 0.0 turns -0 into 0
  return ticks;
}

double Frame::x(double value) const {
  const double span = x_hi > x_lo ? x_hi - x_lo : 1.0;
  return left + (value - x_lo) / span * width;
}

double Frame::y(double value) const {
  const double span = y_hi > y_lo ? y_hi - y_lo : 1.0;
  return top + height - (value - y_lo) / span * height;
}

std::string plain_tick(double value) { return printf_string("%g", std::abs(value) < 1e-12 ? 0.0 : value); }

std::string bytes_tick(double value) { return printf_string("%g GiB", std::round(value / kGiB * 100) / 100); }

std::string seconds_tick(double value) {
  const double magnitude = std::abs(value);
  if (magnitude == 0) return "0";
  if (magnitude >= 1) return printf_string("%g s", value);
  if (magnitude >= 1e-3) return printf_string("%g ms", std::round(value * 1e6) / 1e3);
  return printf_string("%g us", std::round(value * 1e9) / 1e3);
}

std::string thousands_tick(double value) {
  return std::abs(value) >= 1000 ? printf_string("%gk", value / 1000) : printf_string("%g", value);
}

std::string begin_chart(const Chart& chart, const Frame& frame) {
  const std::string w = std::to_string(chart.width), h = std::to_string(chart.height);
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" + w + "\" height=\"" + h +
                    "\" viewBox=\"0 0 " + w + " " + h + "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  out += "<style>.title{font-size:15px;font-weight:bold}.label{font-size:12px;fill:#222}"
         ".tick{font-size:10px;fill:#444}.legend{font-size:11px}.axis{stroke:#444}.grid{stroke:#e3e3e3}"
         ".note{font-size:10px;fill:#666}</style>\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  out += text(frame.left, 20, chart.title, "title");
  const double bottom = frame.top + frame.height, right = frame.left + frame.width;
  for (const double tick : chart.x_axis_ticks ? nice_ticks(frame.x_lo / chart.x_unit, frame.x_hi / chart.x_unit, 8)
                                               : std::vector<double>{}) {
    const double t = tick * chart.x_unit;
    const double x = frame.x(t);
    out += "<line x1=\"" + num(x) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(x) + "\" y2=\"" + num(bottom + 4) +
           "\" class=\"axis\"/>" + text(x, bottom + 16, chart.x_ticks(t), "tick", "middle");
  }
  for (const double tick : nice_ticks(frame.y_lo / chart.y_unit, frame.y_hi / chart.y_unit, 5)) {
    const double t = tick * chart.y_unit;
    const double y = frame.y(t);
    if (chart.y_grid) {
      out += "<line x1=\"" + num(frame.left) + "\" y1=\"" + num(y) + "\" x2=\"" + num(right) + "\" y2=\"" + num(y) +
             "\" class=\"grid\"/>";
    }
    out += text(frame.left - 6, y + 3, chart.y_ticks(t), "tick", "end");
  }
  out += "<line x1=\"" + num(frame.left) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(right) + "\" y2=\"" +
         num(bottom) + "\" class=\"axis\"/>";
  out += "<line x1=\"" + num(frame.left) + "\" y1=\"" + num(frame.top) + "\" x2=\"" + num(frame.left) + "\" y2=\"" +
         num(bottom) + "\" class=\"axis\"/>\n";
  out += text(frame.left + frame.width / 2, bottom + 34, chart.x_label, "label", "middle");
  if (!chart.y_label.empty()) {
    const double cy = frame.top + frame.height / 2;
    out += "<text x=\"16\" y=\"" + num(cy) + "\" class=\"label\" text-anchor=\"middle\" transform=\"rotate(-90 16 " +
           num(cy) + ")\">" + escape(chart.y_label) + "</text>\n";
  }
  return out;
}

std::string legend(const std::vector<LegendItem>& items, double x, double y, double max_width) {
  std::string out;
  const double x0 = x;
  for (const LegendItem& item : items) {
    const double width = 24 + 6.5 * static_cast<double>(item.label.size());
    if (x + width > x0 + max_width && x > x0) {  // wrap onto a new line
      x = x0;
      y += 16;
    }
    out += rect(x, y, 12, 12, item.colour) + text(x + 16, y + 10, item.label, "legend");
    x += width;
  }
  return out;
}

std::string end_chart() { return "</svg>\n"; }

namespace {
std::string tip_element(const std::string& tip) { return tip.empty() ? "" : "<title>" + escape(tip) + "</title>"; }
}  // namespace

std::string rect(double x, double y, double w, double h, const std::string& fill, const std::string& tip,
                 const std::string& extra) {
  return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(w, 0.0)) + "\" height=\"" +
         num(std::max(h, 0.0)) + "\" fill=\"" + fill + "\"" + extra + ">" + tip_element(tip) + "</rect>\n";
}

namespace {
std::string point_list(const std::vector<std::pair<double, double>>& points) {
  std::string out;
  for (const auto& [x, y] : points) out += num(x) + "," + num(y) + " ";
  if (!out.empty()) out.pop_back();
  return out;
}
}  // namespace

std::string polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke,
                     double stroke_width, const std::string& extra) {
  return "<polyline points=\"" + point_list(points) + "\" fill=\"none\" stroke=\"" + stroke + "\" stroke-width=\"" +
         num(stroke_width) + "\"" + extra + "/>\n";
}

std::string polygon(const std::vector<std::pair<double, double>>& points, const std::string& fill,
                    const std::string& tip) {
  return "<polygon points=\"" + point_list(points) + "\" fill=\"" + fill + "\">" + tip_element(tip) + "</polygon>\n";
}

std::string dot(double x, double y, double r, const std::string& fill, const std::string& tip,
                const std::string& extra) {
  return "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"" + num(r) + "\" fill=\"" + fill + "\"" + extra +
         ">" + tip_element(tip) + "</circle>\n";
}

std::string text(double x, double y, const std::string& content, const std::string& css_class,
                 const std::string& anchor) {
  std::string out = "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" class=\"" + css_class + "\"";
  if (anchor != "start") out += " text-anchor=\"" + anchor + "\"";
  return out + ">" + escape(content) + "</text>\n";
}

std::string series_colour(std::size_t i) {
  static constexpr std::array<const char*, 10> kPalette = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                                           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return kPalette[i % kPalette.size()];
}

}  // namespace lcperf::reports::svg
