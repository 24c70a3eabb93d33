// Fiber stacks: each has the usable size asked for above a guard page the process
// cannot touch, no two overlap, and a stack given back is handed out again.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/fiber_stacks.hpp"

namespace lcperf::sim {
namespace {

std::uintptr_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
std::size_t page() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

// The permissions ("rw-p", "---p", ...) of the mapping holding `at`, from /proc/self/maps.
std::string permissions_at(std::uintptr_t at) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, perms;
    fields >> range >> perms;
    const auto dash = range.find('-');
    const std::uintptr_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
    const std::uintptr_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (at >= lo && at < hi) return perms;
  }
  return "";
}

TEST(FiberStacks, EachStackIsBigEnoughGuardedAndApartFromTheOthers) {
  const std::size_t usable = 64 * 1024 + 100;  // not a whole number of pages
  std::vector<FiberStack> stacks;
  for (int i = 0; i < 40; ++i) stacks.push_back(take_fiber_stack(usable));  // more than one slab
  for (const FiberStack& s : stacks) {
    EXPECT_EQ(address(s.base) % page(), 0u);
    EXPECT_GE(s.bytes, usable + page());
    EXPECT_EQ(permissions_at(address(s.base)).substr(0, 3), "---") << "guard page";
    EXPECT_EQ(permissions_at(address(s.base) + page()).substr(0, 2), "rw") << "first usable page";
    EXPECT_EQ(permissions_at(address(s.base) + s.bytes - 1).substr(0, 2), "rw") << "top of the stack";
    // The whole usable range can be written.
    std::fill_n(static_cast<char*>(s.base) + page(), s.bytes - page(), '\x5a');
  }
  std::vector<FiberStack> sorted = stacks;
  std::sort(sorted.begin(), sorted.end(), [](const FiberStack& a, const FiberStack& b) { return a.base < b.base; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    EXPECT_GE(address(sorted[i].base), address(sorted[i - 1].base) + sorted[i - 1].bytes) << "stacks overlap";
  }
  for (const FiberStack& s : stacks) give_back_fiber_stack(s);
}

TEST(FiberStacks, AStackGivenBackIsHandedOutAgain) {
  const FiberStack first = take_fiber_stack(32 * 1024);
  give_back_fiber_stack(first);
  const FiberStack again = take_fiber_stack(32 * 1024);
  EXPECT_EQ(again.base, first.base);
  EXPECT_EQ(again.bytes, first.bytes);
  // A stack of another size does not come from that free list.
  const FiberStack other = take_fiber_stack(256 * 1024);
  EXPECT_NE(other.base, first.base);
  EXPECT_GE(other.bytes, 256 * 1024 + page());
  give_back_fiber_stack(other);
  give_back_fiber_stack(again);
}

}  // namespace
}  // namespace lcperf::sim
