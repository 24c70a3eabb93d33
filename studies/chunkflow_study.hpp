#pragma once
// The ChunkFlow reproduction study behind `lcperf reproduce chunkflow`: which scenarios
// run (the Megatron-LM / ChunkFlow pairs in scenarios/chunkflow/, the (ChunkSize, K)
// ablation in scenarios/chunkflow/ablation/, and the ablation points again at 32K
// context), and the Markdown report built from their results. The parent process plans
// and reports; reproduce_runner.hpp simulates each run in its own child.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runs/forked_runs.hpp"
#include "core/scenario.hpp"

namespace lcperf::studies {

struct ChunkflowPair {
  core::Scenario megatron;
  core::Scenario chunkflow;
  bool timeline = false;  // the pair whose timelines are drawn (the ablation's model and context)
};

struct ChunkflowStudy {
  std::string data_dir;  // the scenarios/ folder the files came from
  bool quick = false;
  std::vector<ChunkflowPair> pairs;            // ordered by model size, then context
  std::vector<core::Scenario> ablation;        // ordered by chunk size
  std::vector<core::Scenario> ablation_short;  // the same points at kShortContext
  int baseline_pair = -1;                      // pair with the ablation's model and context; -1 when none
};

inline constexpr std::int64_t kShortContext = 32768;

// Loads and validates every scenario of the study (InputError on a bad or missing file).
// `quick`: only the pairs of the ablation's model and the two ends of the ablation.
ChunkflowStudy plan_chunkflow_study(const std::string& data_dir, bool quick);

// One forked run per scenario: pairs (megatron, chunkflow), then ablation, then ablation_short.
std::vector<runs::ForkedRun> chunkflow_runs(const ChunkflowStudy& study);

struct ReproductionReport {
  std::string markdown;
  std::vector<std::pair<std::string, std::string>> svgs;  // path relative to the Markdown file, content
};

// `outcomes` are those of chunkflow_runs(study), all successful. `svg_folder` is the
// folder, relative to the Markdown file, that the timeline pictures are linked from.
ReproductionReport chunkflow_report(const ChunkflowStudy& study, const std::vector<runs::ForkedOutcome>& outcomes,
                                    const std::string& svg_folder);

}  // namespace lcperf::studies
