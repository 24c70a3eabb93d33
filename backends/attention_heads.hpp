#pragma once
// The heads a live backend runs for an attention part: density < 1 runs that fraction
// of the heads densely (same FLOPs, not the block-sparse access pattern), keeping the
// GQA grouping valid. Shared by the CPU executor and the CUDA kernel runner, so both
// backends run the same work for a sparse attention part.
#include <utility>

#include "core/ops.hpp"

namespace lcperf::backends {

// {query heads, KV heads} to run.
std::pair<int, int> heads_run(const core::AttentionShape& attention);

}  // namespace lcperf::backends
