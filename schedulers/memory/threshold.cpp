#include "schedulers/memory/threshold.hpp"

#include <stdexcept>

namespace lcperf::schedulers::memory {

Threshold symbolic_threshold(const SymbolicPeak& peak, const Box& box, const std::string& symbol,
                             const Binding& others, std::int64_t limit) {
  auto range = box.find(symbol);
  if (range == box.end()) throw std::invalid_argument("symbol " + symbol + " has no range in the box");
  for (const PeakPoint& p : peak.points) {
    if (!p.bytes.all_coefficients_non_negative()) {
      throw std::invalid_argument("peak term " + p.bytes.to_string() + " is not provably monotone");
    }
  }
  Binding at = others;
  auto fits = [&](std::int64_t v) {
    at[symbol] = v;
    return peak.evaluate(at) <= limit;
  };
  Threshold t;
  t.symbol = symbol;
  std::int64_t lo = range->second.lo;
  std::int64_t hi = range->second.hi;
  if (!fits(lo)) return t;
  // Invariant: fits(lo); the answer lies in [lo, hi].
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo + 1) / 2;
    if (fits(mid)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  t.max_fitting = lo;
  return t;
}

}  // namespace lcperf::schedulers::memory
