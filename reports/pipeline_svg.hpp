#pragma once
// A picture of one iteration: a row per rank, forward / backward / recompute boxes on
// its compute stream and communication on a thin lane beneath, with a labelled time
// axis. Pipeline bubbles, stragglers and exposed communication show at a glance.
#include <string>

#include "core/records.hpp"

namespace lcperf::reports {

struct PipelineSvgOptions {
  int width_px = 1200;
  int max_ranks = 64;  // larger worlds show their first max_ranks ranks and say so
  std::string title = "Pipeline timeline";
};

// A standalone SVG document (also valid inline in HTML and Markdown).
std::string pipeline_svg(const core::RunRecords& records, const PipelineSvgOptions& options = {});

// Fill colour of a timeline category ("forward", "backward", "recompute", "p2p",
// "collective", ...); unknown categories are grey.
std::string category_colour(const std::string& category);

}  // namespace lcperf::reports
