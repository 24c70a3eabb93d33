#include "cost_models/detail/part_price_store.hpp"

#include <algorithm>
#include <limits>

#include "cost_models/detail/same_part.hpp"

namespace lcperf::cost::detail {

namespace {

constexpr std::size_t kFirstSlots = 1024;

// The slot a key starts probing at: the top bits of a multiplicative hash, so keys that
// differ only in their high bits still spread.
std::size_t home(std::size_t key, std::size_t mask) {
  return static_cast<std::size_t>((static_cast<std::uint64_t>(key) * 0x9e3779b97f4a7c15ull) >> 32) & mask;
}

}  // namespace

PartPriceStore::PartPriceStore(std::size_t capacity)
    : capacity_(std::clamp<std::size_t>(capacity, 1, std::numeric_limits<std::uint32_t>::max() / 4)),
      slots_(kFirstSlots, 0),
      mask_(kFirstSlots - 1) {}

const Price* PartPriceStore::find(std::size_t key, const core::OpPart& part) const {
  for (std::size_t i = home(key, mask_);; i = (i + 1) & mask_) {
    const std::uint32_t slot = slots_[i];
    if (slot == 0) return nullptr;
    const Entry& e = entries_[slot - 1];
    if (e.key == key && same_part(e.part, part)) return &e.price;
  }
}

void PartPriceStore::store(std::size_t key, const core::OpPart& part, const Price& price) {
  if (entries_.size() >= capacity_) {
    entries_.clear();
    std::fill(slots_.begin(), slots_.end(), 0);
  }
  if (2 * (entries_.size() + 1) > slots_.size()) grow_slots();
  entries_.push_back(Entry{key, part, price});
  insert_slot(key, static_cast<std::uint32_t>(entries_.size()));
}

void PartPriceStore::grow_slots() {
  slots_.assign(2 * slots_.size(), 0);
  mask_ = slots_.size() - 1;
  for (std::size_t i = 0; i < entries_.size(); ++i) insert_slot(entries_[i].key, static_cast<std::uint32_t>(i + 1));
}

void PartPriceStore::insert_slot(std::size_t key, std::uint32_t index) {
  std::size_t i = home(key, mask_);
  while (slots_[i] != 0) i = (i + 1) & mask_;
  slots_[i] = index;
}

}  // namespace lcperf::cost::detail
