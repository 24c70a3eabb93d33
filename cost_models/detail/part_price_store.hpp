#pragma once
// Internal to cost_models: the price cache's store of single parts' prices, an
// open-addressing table over one contiguous array of entries. A serving replay looks up
// a few hundred thousand parts (the GEMMs of every step whose token count changed); in a
// node-based hash map each lookup walked a bucket, a node and the node's part list, three
// or four cache misses on a busy machine, and the lookups took more time than the
// pricing they saved. Here a lookup reads one slot and one entry holding key, part and
// price together.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/ops.hpp"
#include "cost_models/price.hpp"

namespace lcperf::cost::detail {

class PartPriceStore {
 public:
  // The store starts over when it holds `capacity` parts.
  explicit PartPriceStore(std::size_t capacity);

  // `key` is core::hash_part(part).
  const Price* find(std::size_t key, const core::OpPart& part) const;
  void store(std::size_t key, const core::OpPart& part, const Price& price);

 private:
  struct Entry {
    std::size_t key = 0;
    core::OpPart part;
    Price price;
  };
  // Slots hold entry index + 1 (0 = empty); at most half of them are used.
  void grow_slots();
  void insert_slot(std::size_t key, std::uint32_t index);

  std::size_t capacity_;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> slots_;
  std::size_t mask_ = 0;
};

}  // namespace lcperf::cost::detail
