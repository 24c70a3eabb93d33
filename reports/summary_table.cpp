#include "reports/summary_table.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/memory_tag.hpp"
#include "reports/format.hpp"

namespace lcperf::reports {

namespace {

std::string oom_text(const core::TrainingResult& result) {
  if (!result.oom) return "no";
  const auto& oom = result.oom_detail;
  return "YES: rank " + std::to_string(oom.rank) + ", " + std::string(core::to_string(oom.tag)) + " at " +
         format_duration(oom.time_s) + " (" + format_bytes(static_cast<double>(oom.requested_bytes)) +
         " requested, " + format_bytes(static_cast<double>(oom.in_use_bytes)) + " of " +
         format_bytes(static_cast<double>(oom.capacity_bytes)) + " in use)";
}

std::string relative_error_text(const ComparisonRow& row) {
  const double error = relative_error(row);
  if (std::isnan(error)) return "n/a";
  return printf_string("%+.2f %%", error * 100.0);
}

}  // namespace

double relative_error(const ComparisonRow& row) {
  if (row.expected == 0) return row.simulated == 0 ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  return (row.simulated - row.expected) / std::fabs(row.expected);
}

Table training_metrics_table(const core::TrainingResult& result) {
  Table table;
  table.headers = {"metric", "value"};
  table.right_aligned = {false, true};
  table.rows = {
      {"iteration time", format_duration(result.iteration_time_s)},
      {"throughput", format_tokens_per_s(result.tokens_per_s)},
      {"MFU", format_percent(result.mfu)},
      {"pipeline bubble", format_percent(result.bubble_ratio)},
      {"DP imbalance", format_percent(result.dp_imbalance)},
      {"peak memory (max rank)", format_bytes(static_cast<double>(result.peak_memory_bytes))},
      {"recompute time (max rank)", format_duration(result.recompute_time_s)},
      {"out of memory", oom_text(result)},
      {"tokens per iteration", format_count(static_cast<std::uint64_t>(std::max<std::int64_t>(result.tokens_per_iteration, 0)))},
      {"GPUs", std::to_string(result.world_size)},
      {"events simulated", format_count(result.events_simulated)},
      {"wall time", format_duration(result.wall_time_s)},
  };
  return table;
}

Table comparison_table(const std::vector<ComparisonRow>& rows) {
  Table table;
  table.headers = {"quantity", "simulated", "expected (closed form)", "rel. error"};
  table.right_aligned = {false, true, true, true};
  for (const auto& row : rows) {
    table.rows.push_back({row.quantity, format_quantity(row.simulated, row.unit), format_quantity(row.expected, row.unit),
                          relative_error_text(row)});
  }
  return table;
}

std::string training_summary_text(const core::TrainingResult& result, const std::vector<ComparisonRow>& comparisons) {
  std::string out = render_text(training_metrics_table(result));
  if (!comparisons.empty()) {
    out += '\n';
    out += render_text(comparison_table(comparisons));
  }
  return out;
}

}  // namespace lcperf::reports
