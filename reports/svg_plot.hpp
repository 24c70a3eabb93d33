#pragma once
// A small SVG plotting kit for the HTML report: linear axes with "nice" ticks, axis
// labels, a legend and the few marks our charts need (rectangles, polylines, filled
// polygons, dots). Kept in-tree rather than calling gnuplot so reports stay a pure
// function of the records (no child process, no installed tool, byte-identical output);
// see reports/README.md, "html_report".
#include <string>
#include <utility>
#include <vector>

namespace lcperf::reports::svg {

std::string escape(const std::string& text);  // XML text and attribute values
std::string num(double value);                 // fixed two decimals, for coordinates

// Tick positions at 1, 2 or 5 times a power of ten covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target);

// Maps data to pixels inside a plot rectangle; y grows upwards on screen.
struct Frame {
  double left = 80, top = 50, width = 900, height = 300;  // plot area, pixels
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;           // data range
  double x(double value) const;
  double y(double value) const;
};

// The text of one tick: "1.5 GiB", "20 ms", ... Defaults to a short plain number.
using TickFormat = std::string (*)(double);
std::string plain_tick(double value);
std::string bytes_tick(double value);    // GiB with at most two decimals
std::string seconds_tick(double value);  // s, ms or us
std::string thousands_tick(double value);  // 1500 -> "1.5k" (throughputs)

struct Chart {
  int width = 1100, height = 400;
  std::string title;
  std::string x_label, y_label;
  TickFormat x_ticks = plain_tick, y_ticks = plain_tick;
  bool y_grid = true;
  // Ticks fall on round multiples of this unit (2^30 for bytes, so ticks are whole GiB).
  double x_unit = 1, y_unit = 1;
  // false: begin_chart draws no x ticks (a chart on a log x axis draws its own).
  bool x_axis_ticks = true;
};

struct LegendItem {
  std::string label;
  std::string colour;
};

// Opening <svg>, styles, white background, title, axes with ticks and labels (the
// marks go between begin and end, so grid lines stay beneath them).
std::string begin_chart(const Chart& chart, const Frame& frame);
std::string legend(const std::vector<LegendItem>& items, double x, double y, double max_width);
std::string end_chart();

std::string rect(double x, double y, double w, double h, const std::string& fill, const std::string& tip = "",
                 const std::string& extra = "");
std::string polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke,
                     double stroke_width = 1.5, const std::string& extra = "");
std::string polygon(const std::vector<std::pair<double, double>>& points, const std::string& fill,
                    const std::string& tip = "");
std::string dot(double x, double y, double r, const std::string& fill, const std::string& tip = "",
                const std::string& extra = "");
std::string text(double x, double y, const std::string& content, const std::string& css_class,
                 const std::string& anchor = "start");

// Fixed colours for series i (Tableau 10, colour-blind friendly), cycling.
std::string series_colour(std::size_t i);

}  // namespace lcperf::reports::svg
