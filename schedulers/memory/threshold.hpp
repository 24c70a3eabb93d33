#pragma once
// The symbolic-threshold variant of a guarded memory decision (BladeDISC PR #1313,
// generalised): instead of deciding at run time by walking memory, find once the largest
// value S* of one symbol (others fixed) for which the symbolic peak fits the limit; the
// run time then only checks S > S*. Found by integer bisection over the symbol's range,
// which is exact because the peak is non-decreasing in every symbol when all its
// coefficients are non-negative (live bytes are sums of sizes; checked, else throws).
#include <cstdint>
#include <optional>
#include <string>

#include "schedulers/memory/peak_memory.hpp"

namespace lcperf::schedulers::memory {

struct Threshold {
  std::string symbol;
  // Largest value in the range that fits; nullopt when even the range's lower end does not.
  std::optional<std::int64_t> max_fitting;
  // The guard the run time evaluates: true when memory action is needed at this value.
  bool exceeds(std::int64_t value) const { return !max_fitting || value > *max_fitting; }
};

// `others` binds every symbol of the peak except `symbol`. Throws std::invalid_argument
// when the box lacks the symbol or a peak point has a negative coefficient.
Threshold symbolic_threshold(const SymbolicPeak& peak, const Box& box, const std::string& symbol,
                             const Binding& others, std::int64_t limit);

}  // namespace lcperf::schedulers::memory
