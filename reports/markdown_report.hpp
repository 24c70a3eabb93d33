#pragma once
// report.md for one training run: what was simulated, the metrics, the closed-form
// check, memory per rank and a picture of the pipeline.
#include <string>
#include <vector>

#include "core/records.hpp"
#include "core/result.hpp"
#include "core/scenario.hpp"
#include "reports/summary_table.hpp"

namespace lcperf::reports {

// The timeline picture is referenced as an image file `timeline_svg_file` (written
// next to report.md, see write_training_report) because Markdown viewers such as
// GitHub's render SVG images but strip inline <svg>. An empty name embeds the SVG
// inline instead, for viewers that allow HTML.
std::string training_report_markdown(const core::Scenario& scenario, const core::TrainingResult& result,
                                     const std::vector<ComparisonRow>& comparisons, const core::RunRecords& records,
                                     const std::string& timeline_svg_file = "timeline.svg");

// Writes DIR/report.md and DIR/timeline.svg, each atomically.
void write_training_report(const std::string& dir, const core::Scenario& scenario, const core::TrainingResult& result,
                           const std::vector<ComparisonRow>& comparisons, const core::RunRecords& records);

}  // namespace lcperf::reports
