#pragma once
// The ChunkFlow report's "where the simulation agrees or disagrees with the paper": each
// bullet is chosen and filled from the simulated numbers, never written in advance, so
// other scenarios give other sentences.
#include <string>
#include <vector>

#include "reports/chunkflow_report.hpp"

namespace lcperf::reports {

// The bullets in report order: speedups, context trend, out-of-memory runs, bubbles,
// recompute, MFU, then the ablation (fastest point, its shape, bubbles, memory).
std::vector<std::string> chunkflow_verdicts(const ChunkflowResults& results);

}  // namespace lcperf::reports
