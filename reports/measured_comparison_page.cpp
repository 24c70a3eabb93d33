// The human-readable sides of `lcperf compare`: the terminal table, compare.md and
// compare.html (through the page shell of `lcperf report`), and the scatters.
#include <map>

#include "reports/format.hpp"
#include "reports/html_report.hpp"
#include "reports/log_scatter_svg.hpp"
#include "reports/measured_comparison.hpp"
#include "reports/text_table.hpp"

namespace lcperf::reports {

namespace {

std::string signed_percent(double ratio) { return printf_string("%+.2f %%", ratio * 100); }
std::string plain_percent(double ratio) { return printf_string("%.2f %%", ratio * 100); }

Table rows_table(const MeasuredComparison& comparison) {
  Table table;
  table.headers = {"row", "metric", "measured", "simulated", "error"};
  table.right_aligned = {false, false, true, true, true};
  for (const ComparedRow& row : comparison.rows) {
    for (const ComparedMetric& m : row.metrics) {
      // A row with a warning is marked, and the warning listed under the table.
      std::vector<std::string> cells = {row.id + (row.warning.empty() ? "" : " (!)"), m.metric,
                                        format_quantity(m.measured, m.unit)};
      if (row.status == RowStatus::compared) {
        cells.push_back(format_quantity(m.simulated, m.unit));
        cells.push_back(signed_percent(m.relative_error));
      } else {
        cells.push_back(row_status_name(row.status));
        cells.push_back("-");
      }
      table.rows.push_back(std::move(cells));
    }
  }
  return table;
}

// Citations are long, so they get their own table rather than a column of the rows'.
Table sources_table(const MeasuredComparison& comparison) {
  Table table;
  table.headers = {"row", "line", "scenario", "overrides", "source"};
  table.right_aligned = {false, true, false, false, false};
  for (const ComparedRow& row : comparison.rows) {
    std::string overrides;
    for (const std::string& o : row.overrides) overrides += (overrides.empty() ? "" : ", ") + o;
    table.rows.push_back({row.id, std::to_string(row.line), row.scenario, overrides, row.source});
  }
  return table;
}

Table summary_table(const MeasuredComparison& comparison) {
  Table table;
  table.headers = {"metric", "rows", "mean |error|", "mean error", "max |error|"};
  table.right_aligned = {false, true, true, true, true};
  for (const MetricSummary& s : comparison.summary) {
    table.rows.push_back({s.metric, std::to_string(s.rows), plain_percent(s.mean_absolute_error),
                          signed_percent(s.mean_signed_error), plain_percent(s.max_absolute_error)});
  }
  return table;
}

// Skipped rows with why, and compared rows with a warning.
std::string row_remarks(const MeasuredComparison& comparison, const std::string& bullet) {
  std::string out;
  for (const ComparedRow& row : comparison.rows) {
    const std::string& remark = row.status == RowStatus::skipped ? row.reason : row.warning;
    if (remark.empty()) continue;
    out += bullet + row.id + " (line " + std::to_string(row.line) + "): " +
           (row.status == RowStatus::skipped ? "skipped: " : "") + remark + "\n";
  }
  return out;
}

const char* kErrorMeaning =
    "error = (simulated - measured) / measured; a negative time error (or a positive throughput error) means the "
    "simulator is optimistic.";

}  // namespace

std::string comparison_text(const MeasuredComparison& comparison) {
  std::string out = render_text(rows_table(comparison)) + "\n" + render_text(summary_table(comparison));
  const std::string remarks = row_remarks(comparison, "  ");
  if (!remarks.empty()) out += "\nnotes:\n" + remarks;
  return out;
}

std::vector<ComparisonChart> comparison_charts(const MeasuredComparison& comparison) {
  std::vector<ComparisonChart> charts;
  for (const MetricSummary& s : comparison.summary) {
    std::vector<LogScatterPoint> points;
    for (const ComparedRow& row : comparison.rows) {
      if (row.status != RowStatus::compared) continue;
      for (const ComparedMetric& m : row.metrics) {
        if (m.metric != s.metric) continue;
        points.push_back({m.measured, m.simulated, row.scenario_name,
                          row.id + ": measured " + format_quantity(m.measured, m.unit) + ", simulated " +
                              format_quantity(m.simulated, m.unit) + " (" + signed_percent(m.relative_error) + ")"});
      }
    }
    LogScatterLabels labels;
    labels.title = s.metric + ": simulated vs measured (" + std::to_string(s.rows) + " rows, mean |error| " +
                   plain_percent(s.mean_absolute_error) + ")";
    labels.x_label = "measured (" + s.unit + ")";
    labels.y_label = "simulated (" + s.unit + ")";
    charts.push_back({"compare-" + s.metric + ".svg", log_log_scatter_svg(points, labels)});
  }
  return charts;
}

std::string comparison_markdown(const MeasuredComparison& comparison, const std::vector<ComparisonChart>& charts) {
  std::string out = "# lcperf compare: " + comparison.input + "\n\n";
  out += "Measured runs against their simulations (lcperf " + comparison.lcperf_version + "). " + kErrorMeaning +
         "\n\n## Mean error per metric\n\n" + render_markdown(summary_table(comparison)) + "\n";
  for (const ComparisonChart& chart : charts) out += "![" + chart.file + "](" + chart.file + ")\n\n";
  out += "## Rows\n\n" + render_markdown(rows_table(comparison));
  const std::string remarks = row_remarks(comparison, "- ");
  if (!remarks.empty()) out += "\n## Notes\n\n" + remarks;
  out += "\n## Runs and sources\n\n" + render_markdown(sources_table(comparison));
  return out;
}

std::string comparison_html(const MeasuredComparison& comparison, const std::vector<ComparisonChart>& charts) {
  ReportPage page;
  page.title = "lcperf compare: " + comparison.input;
  for (const MetricSummary& s : comparison.summary) {
    page.facts.emplace_back("mean |error| of " + s.metric + " (" + std::to_string(s.rows) + " rows)",
                            plain_percent(s.mean_absolute_error) + " (mean " + signed_percent(s.mean_signed_error) +
                                ", max " + plain_percent(s.max_absolute_error) + ")");
  }
  for (const ComparedRow& row : comparison.rows) {
    for (const ComparedMetric& m : row.metrics) {
      std::string value = row.status == RowStatus::compared
                              ? signed_percent(m.relative_error) + " (measured " + format_quantity(m.measured, m.unit) +
                                    ", simulated " + format_quantity(m.simulated, m.unit) + ")"
                              : row_status_name(row.status) + ": " + row.reason;
      if (!row.warning.empty()) value += "; " + row.warning;
      page.facts.emplace_back(row.id + " " + m.metric, value);
    }
  }
  ReportSection scatter;
  scatter.heading = "Simulated vs measured";
  scatter.note = kErrorMeaning;
  for (const ComparisonChart& chart : charts) scatter.svgs.push_back(chart.svg);
  page.sections.push_back(std::move(scatter));
  return html_page(page);
}

}  // namespace lcperf::reports
