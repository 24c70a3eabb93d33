#pragma once
// Memoises kernel-op prices by the op's parts. Rank programs launch the same shapes
// thousands of times (every layer of every micro-batch); pricing each from scratch
// dominated the simulator's wall time before this cache.
#include <functional>
#include <unordered_map>
#include <vector>

#include "core/ops.hpp"
#include "cost_models/price.hpp"

namespace lcperf::cost {

class PricingCache {
 public:
  explicit PricingCache(std::function<double(const core::KernelOp&)> price) : price_(std::move(price)) {}

  // The op's time from the pricing function, and its exact FLOPs and bytes.
  const Price& price(const core::KernelOp& op);
  double time_s(const core::KernelOp& op) { return price(op).time_s; }
  std::size_t hits() const { return hits_; }
  std::size_t misses() const { return misses_; }

 private:
  struct Entry {
    std::vector<core::OpPart> parts;
    Price price;
  };
  std::function<double(const core::KernelOp&)> price_;
  std::unordered_multimap<std::size_t, Entry> entries_;
  std::size_t hits_ = 0;
  std::size_t misses_ = 0;
};

}  // namespace lcperf::cost
