#pragma once
// The charts of a serving report besides the CDFs (svg_charts.hpp): the empirical CDF
// of per-request latencies, a histogram over given bins (inter-token latency), and
// lines over a shared x axis (per-instance KV use and queues over time, throughput and
// latency against offered load). Built on svg_plot.hpp.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "reports/svg_plot.hpp"

namespace lcperf::reports {

// One point per value, sorted: (k-th smallest, (k + 1) / n); a step CDF drawn through
// them rises once per request.
std::vector<std::pair<double, double>> empirical_cdf(std::vector<double> values);

// Bars of `counts` over bins with the given upper edges (seconds, increasing; the first
// bin starts at 0), each bin the same width whatever its span, so log-spaced bins read
// as a log axis. Edges are labelled under the bars.
std::string histogram_svg(const std::vector<double>& upper_edges_s, const std::vector<double>& counts,
                          const std::string& title, const std::string& x_label);

struct LineSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // sorted by x
  bool steps = false;  // hold each value until the next point (a sampled state), else straight lines
  bool dots = false;   // a dot at each point (a few measured points)
};

struct LineAxes {
  std::string title, x_label, y_label;
  svg::TickFormat x_ticks = svg::plain_tick, y_ticks = svg::plain_tick;
  double y_max = 0;  // > 0: fixed top of the y axis (a fraction's 1), else from the data
  bool log_x = false;  // a logarithmic x axis (loads over decades); points at x <= 0 are left out
};

// Lines sharing both axes, coloured per series with a legend. Series longer than the
// plot is wide are thinned to the largest value per pixel column, so peaks stay visible.
std::string lines_svg(const std::vector<LineSeries>& series, const LineAxes& axes);

}  // namespace lcperf::reports
