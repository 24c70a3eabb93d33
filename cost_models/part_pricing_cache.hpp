#pragma once
// Memoises prices part by part, for ops whose whole shape rarely repeats but whose
// parts do: a serving engine step repeats the same layer parts for every layer, and
// its GEMMs repeat whenever the token count does. Bounded: when full it starts over,
// so long replays do not grow without limit.
#include <cstddef>
#include <functional>
#include <unordered_map>
#include <vector>

#include "core/ops.hpp"

namespace lcperf::cost {

class PartPricingCache {
 public:
  PartPricingCache(std::function<double(const core::OpPart&)> price, std::size_t capacity = 1 << 14)
      : price_(std::move(price)), capacity_(capacity) {}

  double time_s(const core::OpPart& part);
  double time_s(const core::KernelOp& op);  // sum of its parts

 private:
  struct Entry {
    core::OpPart part;
    double time_s;
  };
  std::function<double(const core::OpPart&)> price_;
  std::size_t capacity_;
  std::unordered_multimap<std::size_t, Entry> entries_;
};

}  // namespace lcperf::cost
