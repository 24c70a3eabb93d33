#pragma once
// The charts of `lcperf report`, each a standalone SVG document built on svg_plot.hpp:
// memory stacked by tag with the HBM limit, a sweep scatter with its labelled Pareto
// front, and CDFs of serving latencies. The pipeline Gantt is pipeline_svg.hpp's.
#include <string>
#include <utility>
#include <vector>

#include "core/records.hpp"

namespace lcperf::reports {

// How one memory panel is titled and what it shows besides the bands.
struct MemoryPanel {
  std::string title;             // default "Memory of rank R"
  double hbm_limit_bytes = 0;    // > 0: a dashed line at the device's capacity
};

// Memory of one rank over the iteration, one stacked band per tag (step area), from
// records.memory (memory.csv).
std::string memory_svg(const core::RunRecords& records, int rank, const MemoryPanel& panel = {});

struct SweepPoint {
  double peak_memory_bytes = 0;
  double tokens_per_s = 0;
  std::string group;  // colour: the strategy name
  std::string label;  // tooltip: the config
  std::string short_label;  // drawn beside the point when it is on the Pareto front
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

// A value marked on a CDF's axis, e.g. {0.42, "p90"}: a dashed line, labelled.
struct CdfMark {
  double value = 0;
  std::string label;
};

// Series of at most this many points get a dot at each (a CDF through a few percentiles).
inline constexpr std::size_t kCdfDotsUpTo = 40;

// Step CDFs sharing one x axis (seconds). Points of small series are drawn as dots so a
// CDF made from a few percentiles shows where its data ends.
std::string cdf_svg(const std::vector<CdfSeries>& series, const std::string& title, const std::string& x_label,
                    const std::vector<CdfMark>& marks = {});

// A plain labelled scatter (x, y) with one colour, e.g. throughput against offered load.
std::string xy_svg(const std::vector<std::pair<double, double>>& points, const std::string& title,
                   const std::string& x_label, const std::string& y_label);

}  // namespace lcperf::reports
