#include "cost_models/part_pricing_cache.hpp"

namespace lcperf::cost {

double PartPricingCache::time_s(const core::OpPart& part) {
  const std::size_t key = core::hash_part(part);
  auto [first, last] = entries_.equal_range(key);
  for (auto it = first; it != last; ++it) {
    if (it->second.part == part) return it->second.time_s;
  }
  if (entries_.size() >= capacity_) entries_.clear();
  const double t = price_(part);
  entries_.emplace(key, Entry{part, t});
  return t;
}

double PartPricingCache::time_s(const core::KernelOp& op) {
  double total = 0;
  for (const core::OpPart& part : op.parts) total += time_s(part);
  return total;
}

}  // namespace lcperf::cost
