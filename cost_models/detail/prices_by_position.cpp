#include "cost_models/detail/prices_by_position.hpp"

#include "cost_models/detail/same_part.hpp"

namespace lcperf::cost::detail {

const std::vector<Price>& PricesByPosition::prices(const core::KernelOp& op, const PartPrice& price_of) {
  const std::size_t n = op.parts.size();
  if (previous_.size() > n) {
    previous_.resize(n);
    priced_.resize(n);
  }
  std::size_t period = 0;  // parts per layer, once a repeat has been seen
  fresh_count_ = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const core::OpPart& part = op.parts[i];
    if (i < previous_.size() && same_part(previous_[i], part)) continue;
    const Price p = changed(part, i, period, price_of);
    if (i < previous_.size()) {
      previous_[i] = part;
      priced_[i] = p;
    } else {
      previous_.push_back(part);
      priced_.push_back(p);
    }
  }
  return priced_;
}

Price PricesByPosition::changed(const core::OpPart& part, std::size_t i, std::size_t& period,
                                const PartPrice& price_of) {
  if (period > 0 && i >= period && same_part(previous_[i - period], part)) return priced_[i - period];
  for (std::size_t k = 0; k < fresh_count_; ++k) {
    const std::size_t j = fresh_[k];
    if (same_part(previous_[j], part)) {
      period = i - j;
      return priced_[j];
    }
  }
  if (fresh_count_ < fresh_.size()) fresh_[fresh_count_++] = i;
  return price_of(part);
}

}  // namespace lcperf::cost::detail
