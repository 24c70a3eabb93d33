#pragma once
// A scatter on log-log axes, both axes over one range, with the y = x line and dashed
// lines at +-band around it: predictions against measurements. On log axes a point's
// distance from the diagonal is its relative error, whether it is a 3 s iteration or a
// 20 s one, so rows of very different sizes read on one picture. Built from the marks of
// svg_plot.hpp; the axes are drawn here because svg_plot's are linear.
#include <string>
#include <vector>

namespace lcperf::reports {

struct LogScatterPoint {
  double x = 0;  // > 0; points with a non-positive coordinate are not drawn
  double y = 0;
  std::string group;  // colour and legend entry, in order of first appearance
  std::string tip;    // tooltip
};

struct LogScatterLabels {
  std::string title;
  std::string x_label;
  std::string y_label;
  double band = 0.1;  // the dashed lines: y = (1 +- band) x; 0 draws none
};

std::string log_log_scatter_svg(const std::vector<LogScatterPoint>& points, const LogScatterLabels& labels);

// Tick values inside [lo, hi] (0 < lo < hi): 1, 2 and 5 times powers of ten; every
// integer mantissa when that gives fewer than three; evenly spaced round values when
// even that does (a range inside one decade step).
std::vector<double> log_ticks(double lo, double hi);

}  // namespace lcperf::reports
