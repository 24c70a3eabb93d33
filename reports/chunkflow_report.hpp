#pragma once
// The Markdown report of `lcperf reproduce chunkflow`: the Megatron-LM / ChunkFlow pairs,
// the (ChunkSize, K) ablation at the pairs' context and again at a short context, and the
// pipeline timelines of one pair. studies/chunkflow_study.cpp plans and simulates the
// runs and fills ChunkflowResults; this file only formats, and chunkflow_verdicts.cpp
// derives every "agrees / disagrees" from the simulated numbers.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "core/scenario.hpp"

namespace lcperf::reports {

// One simulated training iteration of the study.
struct ChunkflowRun {
  core::Scenario scenario;
  std::string file;  // the scenario file as the reader finds it in the repository
  core::TrainingResult result;
  std::string svg;  // its pipeline timeline; empty unless its pair draws timelines
};

struct ChunkflowPairRuns {
  ChunkflowRun megatron;
  ChunkflowRun chunkflow;
  bool timeline = false;  // the one pair whose timelines are drawn

  // The baseline's iteration time over ChunkFlow's.
  double speedup() const { return megatron.result.iteration_time_s / chunkflow.result.iteration_time_s; }
};

struct ChunkflowResults {
  bool quick = false;  // named in the report's command line
  std::vector<ChunkflowPairRuns> pairs;    // ordered by model size, then context
  std::vector<ChunkflowRun> ablation;      // ordered by chunk size
  std::int64_t short_context = 0;          // the context of ablation_short
  std::vector<ChunkflowRun> ablation_short;  // the ablation points again at short_context
  int baseline_pair = -1;  // the pair of the ablation's model and context; -1 when none

  // The Megatron-LM run the ablation is measured against; null when no pair matches.
  const core::TrainingResult* baseline() const;
  // The ablation point with the paper's (ChunkSize, K) for the baseline pair; -1 when none.
  int paper_ablation_point() const;
};

// A report and the pictures it links to.
struct ReproductionReport {
  std::string markdown;
  std::vector<std::pair<std::string, std::string>> svgs;  // path relative to the Markdown file, content
};

// `svg_folder`: the folder, relative to the Markdown file, the timelines are linked from
// (and returned under).
ReproductionReport render_chunkflow_report(const ChunkflowResults& results, const std::string& svg_folder);

}  // namespace lcperf::reports
