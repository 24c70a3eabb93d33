#pragma once
// rBlocks: where one logical KV block of a request lives, and who owns a physical slot.
#include <cstdint>
#include <vector>

namespace lcperf::schedulers::serving::distkv {

enum class Tier { device, host };

// One entry of a request's rBlock table: the physical slot holding a logical block.
struct BlockRef {
  Tier tier = Tier::device;
  int instance = -1;       // whose GPU (device) or whose host memory (host)
  std::int64_t slot = -1;  // physical block index in that instance's pool of that tier
  bool operator==(const BlockRef&) const = default;
};

// What a physical slot holds: logical block `index` of request `request`, homed on `home`.
struct LogicalBlock {
  std::int64_t request = -1;
  std::int64_t index = -1;
  int home = -1;
  bool operator==(const LogicalBlock&) const = default;
};

// A request's rBlock table, logical block i at blocks[i]; kept by the home rManager.
struct RBlockTable {
  std::vector<BlockRef> blocks;
  std::vector<std::int64_t> locked_by;  // per logical block: exchange op moving it, 0 = none
  std::int64_t borrow_op = 0;           // allocation in progress, 0 = none
  bool release_pending = false;         // released while some block was being moved
};

}  // namespace lcperf::schedulers::serving::distkv
