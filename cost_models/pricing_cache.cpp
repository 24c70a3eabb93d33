#include "cost_models/pricing_cache.hpp"

namespace lcperf::cost {

double PricingCache::time_s(const core::KernelOp& op) {
  const std::size_t key = core::hash_parts(op.parts);
  auto [first, last] = entries_.equal_range(key);
  for (auto it = first; it != last; ++it) {
    if (it->second.parts == op.parts) {
      ++hits_;
      return it->second.time_s;
    }
  }
  ++misses_;
  const double t = price_(op);
  entries_.emplace(key, Entry{op.parts, t});
  return t;
}

}  // namespace lcperf::cost
