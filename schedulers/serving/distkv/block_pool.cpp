#include "schedulers/serving/distkv/block_pool.hpp"

#include <stdexcept>
#include <string>

namespace lcperf::schedulers::serving::distkv {

BlockPool::BlockPool(std::int64_t capacity) : capacity_(capacity) {
  for (std::int64_t s = 0; s < capacity; ++s) free_.insert(free_.end(), s);
}

std::int64_t BlockPool::take(const LogicalBlock& owner) {
  if (free_.empty()) throw std::logic_error("distkv block pool: take from a full pool");
  const std::int64_t slot = *free_.begin();
  free_.erase(free_.begin());
  used_[slot] = SlotState{owner, 0};
  return slot;
}

void BlockPool::give_back(std::int64_t slot) {
  if (used_.erase(slot) == 0) throw std::logic_error("distkv block pool: slot " + std::to_string(slot) + " freed twice");
  free_.insert(slot);
}

const SlotState* BlockPool::state(std::int64_t slot) const {
  auto it = used_.find(slot);
  return it == used_.end() ? nullptr : &it->second;
}

SlotState& BlockPool::at(std::int64_t slot) {
  auto it = used_.find(slot);
  if (it == used_.end()) throw std::logic_error("distkv block pool: slot " + std::to_string(slot) + " is free");
  return it->second;
}

}  // namespace lcperf::schedulers::serving::distkv
