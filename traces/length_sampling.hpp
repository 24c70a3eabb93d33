#pragma once
// Deterministic sequence lengths for training iterations.
//
// A global batch is a pure function of (distribution, batch size, seed, iteration,
// cap): the same arguments give the same lengths on every platform and in any order of
// calls, and each iteration has its own generator stream, so a run can regenerate
// iteration 5000 without drawing the 4999 before it. Sample i of a batch does not
// depend on the batch size (a batch of 8 is the first 8 of a batch of 256).
#include <cstdint>
#include <vector>

#include "traces/length_distribution.hpp"

namespace lcperf::traces {

// batch_size lengths for `iteration`. max_length caps them (a longer sample is clipped
// to the context length, as a trainer truncates it); 0 means no cap. batch_size <= 0 or
// max_length < 0 throws std::invalid_argument (callers validate user input first).
std::vector<std::int64_t> sample_global_batch(const LengthDistribution& distribution, int batch_size, std::uint64_t seed,
                                              std::int64_t iteration, std::int64_t max_length = 0);

}  // namespace lcperf::traces
