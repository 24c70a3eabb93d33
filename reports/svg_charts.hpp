#pragma once
// The charts of `lcperf report`, each a standalone SVG document built on svg_plot.hpp:
// a per-rank Gantt chart with idle time, per-rank memory stacked by tag, a sweep
// scatter with its Pareto front, and step CDFs of serving latencies.
#include <string>
#include <utility>
#include <vector>

#include "core/records.hpp"

namespace lcperf::reports {

// One row per rank (at most max_ranks): compute ops by category, communication on a
// thin lane beneath, and the compute stream's idle gaps (bubbles) drawn in light grey.
std::string gantt_svg(const core::RunRecords& records, int max_ranks = 32);

// Memory of one rank over the iteration, one stacked band per tag (step area), from
// records.memory (memory.csv).
std::string memory_svg(const core::RunRecords& records, int rank);

struct SweepPoint {
  double peak_memory_bytes = 0;
  double tokens_per_s = 0;
  std::string group;  // colour: the strategy name
  std::string label;  // tooltip: the config
};

// Throughput against peak memory, coloured by group; the Pareto front (no other point
// has both less memory and more throughput) is ringed and joined by a step line.
std::string sweep_scatter_svg(const std::vector<SweepPoint>& points, const std::string& title);
// Indices of the Pareto-optimal points, by increasing memory.
std::vector<std::size_t> pareto_front(const std::vector<SweepPoint>& points);

struct CdfSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (value, cumulative fraction), sorted
};

// Step CDFs sharing one x axis (seconds). Points are drawn as dots so a CDF made from
// a few percentiles shows where its data ends.
std::string cdf_svg(const std::vector<CdfSeries>& series, const std::string& title, const std::string& x_label);

// A plain labelled scatter (x, y) with one colour, e.g. throughput against offered load.
std::string xy_svg(const std::vector<std::pair<double, double>>& points, const std::string& title,
                   const std::string& x_label, const std::string& y_label);

}  // namespace lcperf::reports
