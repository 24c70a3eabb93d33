#include "runs/sweep_table.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

#include "core/units.hpp"
#include "runs/sweep_configs.hpp"

namespace lcperf::runs {

namespace {

using nlohmann::json;

constexpr const char* kIgnored = "—";

std::string number(const char* format, double value) {
  char text[48];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// A metric as the table shows it: percentages for ratios, GiB for bytes.
std::string metric_cell(const std::string& metric, const SweepResult& r) {
  const double v = r.metrics.at(metric);
  if (metric == "mfu" || metric == "bubble_ratio" || metric == "dp_imbalance") return number("%.1f", 100 * v);
  if (metric == "peak_memory_bytes") return (r.estimated ? "≥" : "") + number("%.1f", v / kGiB);
  if (metric == "iteration_time_s") return number(v < 100 ? "%.3f" : "%.1f", v);
  if (metric == "tokens_per_s") return number("%.0f", v);
  return number("%.5g", v);
}

// The axis column header: the path's last component, "strategy" for strategy.name.
std::string axis_header(const std::string& path) {
  if (path == "strategy.name") return "strategy";
  const std::size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

std::string axis_cell(const json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

// Terminal columns a UTF-8 cell takes (every code point one column).
std::size_t columns(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

std::string metric_header(const std::string& metric) {
  if (metric == "tokens_per_s") return "tokens/s";
  if (metric == "iteration_time_s") return "iter (s)";
  if (metric == "mfu") return "MFU (%)";
  if (metric == "peak_memory_bytes") return "peak mem (GiB)";
  if (metric == "bubble_ratio") return "bubble (%)";
  if (metric == "dp_imbalance") return "DP imbalance (%)";
  return metric;
}

std::string results_table(const SweepSpec& spec, const std::vector<const SweepResult*>& rows,
                          const std::vector<std::size_t>& ranks, core::Strategy base_strategy) {
  std::vector<std::string> metrics = {"iteration_time_s", "tokens_per_s", "mfu", "peak_memory_bytes"};
  if (std::find(metrics.begin(), metrics.end(), spec.objective.metric) == metrics.end()) {
    metrics.push_back(spec.objective.metric);
  }
  // The strategy first, then the other axes in order (dp derived or not: the key holds it).
  std::vector<std::string> axes;
  for (const SweepAxis& axis : spec.axes) {
    if (axis.path == "strategy.name") axes.insert(axes.begin(), axis.path);
    else axes.push_back(axis.path);
  }

  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> header = {"#", "est./sim."};
  for (const std::string& m : metrics) header.push_back(metric_header(m));
  for (const std::string& a : axes) header.push_back(axis_header(a));
  cells.push_back(header);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const SweepResult& r = *rows[i];
    std::vector<std::string> row = {std::to_string(ranks[i]), r.estimated ? "est." : "sim."};
    for (const std::string& m : metrics) row.push_back(metric_cell(m, r));
    const json config = json::parse(r.config);
    const std::vector<std::string> ignored = ignored_axes(r.key, base_strategy);
    for (const std::string& a : axes) {
      if (std::find(ignored.begin(), ignored.end(), a) != ignored.end()) {
        row.push_back(kIgnored);
      } else {
        row.push_back(config.contains(a) ? axis_cell(config.at(a)) : "");
      }
    }
    cells.push_back(std::move(row));
  }

  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& row : cells) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], columns(row[c]));
  }
  // Numbers right-aligned; the marker and string-valued axes left-aligned.
  const auto left = [&](std::size_t c) {
    if (c == 1) return true;
    if (c < 2 + metrics.size()) return false;
    for (std::size_t r = 1; r < cells.size(); ++r) {
      const std::string& cell = cells[r][c];
      if (!cell.empty() && cell != kIgnored && !json::parse(cell, nullptr, false).is_number()) return true;
    }
    return false;
  };
  std::string out;
  for (const auto& row : cells) {
    std::string line = " ";
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - columns(row[c]), ' ');
      line += "  ";
      line += left(c) ? row[c] + pad : pad + row[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace lcperf::runs
