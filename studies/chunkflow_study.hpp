#pragma once
// The ChunkFlow reproduction study behind `lcperf reproduce chunkflow`: which scenarios
// run (the Megatron-LM / ChunkFlow pairs in scenarios/chunkflow/, the (ChunkSize, K)
// ablation in scenarios/chunkflow/ablation/, and the ablation points again at 32K
// context), and their results. The parent process plans and collects; runs/forked_runs.hpp
// simulates each run in its own child; reports/chunkflow_report.hpp writes the Markdown.
#include <cstdint>
#include <string>
#include <vector>

#include "core/scenario.hpp"
#include "reports/chunkflow_report.hpp"
#include "runs/forked_runs.hpp"

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

// Simulates every run of chunkflow_runs(study), each in its own child and `jobs` at once
// (`progress` hears of each as it finishes), and collects the results the report renders
// (reports/chunkflow_report.hpp). Throws, naming every failed run: core::InputError when
// any failed on bad input, std::runtime_error otherwise.
reports::ChunkflowResults run_chunkflow_study(const ChunkflowStudy& study, int jobs,
                                              const runs::ForkedProgress& progress = {});

}  // namespace lcperf::studies
