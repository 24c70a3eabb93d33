#pragma once
// The physical rBlocks of one memory tier on one instance: which slots are free, and for
// each used slot the logical block it holds and the exchange op (if any) moving it.
// Allocation takes the lowest free slot, so runs are deterministic.
#include <cstdint>
#include <map>
#include <set>

#include "schedulers/serving/distkv/rblock.hpp"

namespace lcperf::schedulers::serving::distkv {

struct SlotState {
  LogicalBlock owner;
  std::int64_t locked_by = 0;  // exchange op id, 0 = none
};

class BlockPool {
 public:
  explicit BlockPool(std::int64_t capacity);

  std::int64_t capacity() const { return capacity_; }
  std::int64_t free_count() const { return static_cast<std::int64_t>(free_.size()); }
  std::int64_t used_count() const { return static_cast<std::int64_t>(used_.size()); }

  std::int64_t take(const LogicalBlock& owner);  // lowest free slot; throws when none
  void give_back(std::int64_t slot);
  bool is_used(std::int64_t slot) const { return used_.count(slot) != 0; }
  const SlotState* state(std::int64_t slot) const;  // null when free
  SlotState& at(std::int64_t slot);                 // throws when free

  const std::set<std::int64_t>& free_slots() const { return free_; }
  const std::map<std::int64_t, SlotState>& used_slots() const { return used_; }

 private:
  std::int64_t capacity_;
  std::set<std::int64_t> free_;
  std::map<std::int64_t, SlotState> used_;
};

}  // namespace lcperf::schedulers::serving::distkv
