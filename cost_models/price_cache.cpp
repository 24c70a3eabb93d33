#include "cost_models/price_cache.hpp"

#include <algorithm>
#include <utility>
#include <variant>

namespace lcperf::cost {

namespace {

PriceCache::PartTime as_part_time(PriceCache::OpTime op_time_s) {
  return [op_time_s = std::move(op_time_s)](const core::OpPart& part) {
    core::KernelOp op;
    op.parts.push_back(part);
    return op_time_s(op);
  };
}

// The parts' prices in order, a compact repeat's run summed once and added per copy.
Price sum_in_order(const core::KernelOp& op, const std::vector<Price>& prices) {
  Price total;
  if (!op.repeats()) {
    for (const Price& p : prices) total += p;
    return total;
  }
  const std::size_t run_end = op.repeat_begin + op.repeat_period;
  for (std::size_t i = 0; i < op.repeat_begin; ++i) total += prices[i];
  Price run;
  for (std::size_t i = op.repeat_begin; i < run_end; ++i) run += prices[i];
  for (std::size_t copy = 0; copy < op.repeat_count; ++copy) total += run;
  for (std::size_t i = run_end; i < prices.size(); ++i) total += prices[i];
  return total;
}

}  // namespace

PriceCache::PriceCache(OpTime op_time_s, std::size_t capacity)
    : op_time_s_(op_time_s), part_time_s_(as_part_time(std::move(op_time_s))), capacity_(capacity), parts_(capacity) {}

PriceCache::PriceCache(PartTime part_time_s, std::size_t capacity)
    : part_time_s_(std::move(part_time_s)), capacity_(capacity), parts_(capacity) {}

Price PriceCache::price(const core::KernelOp& op) {
  if (op.parts_id == 0) return by_parts(op);
  if (const auto it = by_id_.find(op.parts_id); it != by_id_.end()) {
    ++hits_;
    return it->second;
  }
  const Price p = by_parts(op);
  if (by_id_.size() >= capacity_) by_id_.clear();
  by_id_.emplace(op.parts_id, p);
  return p;
}

Price PriceCache::by_parts(const core::KernelOp& op) { return op_time_s_ ? whole_op(op) : sum_of_parts(op); }

Price PriceCache::price(const core::OpPart& part) {
  if (std::holds_alternative<core::AttentionShape>(part)) {
    ++misses_;
    return priced(part, part_time_s_(part));
  }
  const std::size_t key = core::hash_part(part);
  if (const Price* known = parts_.find(key, part)) {
    ++hits_;
    return *known;
  }
  ++misses_;
  const Price price = priced(part, part_time_s_(part));
  parts_.store(key, part, price);
  return price;
}

Price PriceCache::whole_op(const core::KernelOp& op) {
  const std::size_t key = core::hash_parts(op.parts);
  if (const Price* known = find(key, op.parts)) return *known;
  return store(key, op.parts, priced(op, op_time_s_(op)));
}

Price PriceCache::sum_of_parts(const core::KernelOp& op) {
  return sum_in_order(op, positions_.prices(op, [this](const core::OpPart& part) { return price(part); }));
}

const Price* PriceCache::find(std::size_t key, std::span<const core::OpPart> parts) {
  const auto [first, last] = entries_.equal_range(key);
  for (auto it = first; it != last; ++it) {
    if (std::ranges::equal(it->second.parts, parts)) {
      ++hits_;
      return &it->second.price;
    }
  }
  ++misses_;
  return nullptr;
}

Price PriceCache::store(std::size_t key, std::span<const core::OpPart> parts, const Price& price) {
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.emplace(key, Entry{{parts.begin(), parts.end()}, price});
  return price;
}

}  // namespace lcperf::cost
