#include "cost_models/pricing_cache.hpp"

namespace lcperf::cost {

const Price& PricingCache::price(const core::KernelOp& op) {
  const std::size_t key = core::hash_parts(op.parts);
  auto [first, last] = entries_.equal_range(key);
  for (auto it = first; it != last; ++it) {
    if (it->second.parts == op.parts) {
      ++hits_;
      return it->second.price;
    }
  }
  ++misses_;
  const Price p = priced(op, price_(op));
  return entries_.emplace(key, Entry{op.parts, p})->second.price;
}

}  // namespace lcperf::cost
