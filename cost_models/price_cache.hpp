#pragma once
// The one memo of prices. Pricing is pure (equal shapes cost the same) and the simulator
// prices the same shapes over and over: a rank program launches every layer's ops for
// every micro-batch, a serving engine repeats its layers' parts in every step of a
// replay. Pricing each from scratch dominated the simulator's wall time before caching.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/ops.hpp"
#include "cost_models/detail/part_price_store.hpp"
#include "cost_models/detail/prices_by_position.hpp"
#include "cost_models/price.hpp"

namespace lcperf::cost {

// Memoises at the granularity of its pricing function:
// - An op pricer (any function of a whole op: the cost model with or without the
//   collectives, a test's uniform layers) is asked once per distinct list of parts;
//   price(op) is that op's price. The training path.
// - A part pricer is asked once per distinct part; price(op) sums the op's parts in their
//   order (the cost model's rule), a compact repeat's run (KernelOp::repeat_*) summed
//   once and added once per copy, so the total equals pricing part by part with no cache
//   up to the rounding of those sums. Parts are matched by position with the previous op
//   before they are looked up (detail/prices_by_position.hpp). The serving steps' path.
// An op with a KernelOp::parts_id is looked up by that id first: a pipeline stage
// launches the same region for every micro-batch, and comparing its parts each time cost
// more than the rest of launching it.
// An attention part priced on its own is not stored: it carries every sequence's lengths
// and almost never recurs (contexts grow each step), so hashing and storing it cost more
// than pricing it again.
class PriceCache {
 public:
  using OpTime = std::function<double(const core::KernelOp&)>;
  using PartTime = std::function<double(const core::OpPart&)>;
  static constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();

  // With a capacity, the cache starts over when it holds that many shapes (whole ops and
  // single parts counted apart), so a long replay that meets new shapes every step does
  // not grow without limit.
  explicit PriceCache(OpTime op_time_s, std::size_t capacity = kUnbounded);
  explicit PriceCache(PartTime part_time_s, std::size_t capacity = kUnbounded);

  Price price(const core::KernelOp& op);
  Price price(const core::OpPart& part);  // with an op pricer: the op of this part alone
  double time_s(const core::KernelOp& op) { return price(op).time_s; }
  double time_s(const core::OpPart& part) { return price(part).time_s; }

  // Lookups the store answered, and lookups it could not (the pricing function ran).
  std::size_t hits() const { return hits_; }
  std::size_t misses() const { return misses_; }

 private:
  struct Entry {
    std::vector<core::OpPart> parts;
    Price price;
  };
  // Whole ops' prices; `key` is core::hash_parts of the op's parts.
  const Price* find(std::size_t key, std::span<const core::OpPart> parts);
  Price store(std::size_t key, std::span<const core::OpPart> parts, const Price& price);
  Price by_parts(const core::KernelOp& op);
  Price whole_op(const core::KernelOp& op);
  Price sum_of_parts(const core::KernelOp& op);

  OpTime op_time_s_;      // empty for a part pricer
  PartTime part_time_s_;  // an op pricer's, on an op of one part
  std::size_t capacity_;
  std::unordered_multimap<std::size_t, Entry> entries_;  // whole ops
  std::unordered_map<std::uint64_t, Price> by_id_;        // KernelOp::parts_id -> its price
  detail::PartPriceStore parts_;                          // single parts
  detail::PricesByPosition positions_;
  std::size_t hits_ = 0;
  std::size_t misses_ = 0;
};

}  // namespace lcperf::cost
