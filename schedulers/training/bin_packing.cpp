#include "schedulers/training/bin_packing.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "core/errors.hpp"

namespace lcperf::schedulers::training {

namespace {

void check_sizes(const std::vector<std::int64_t>& sizes, std::int64_t capacity) {
  if (capacity < 1) throw core::InputError("bin packing needs a capacity of at least 1 token (got " + std::to_string(capacity) + ")");
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 1 || sizes[i] > capacity) {
      throw core::InputError("bin packing: item " + std::to_string(i) + " has " + std::to_string(sizes[i]) +
                             " tokens, outside [1, " + std::to_string(capacity) + "]");
    }
  }
}

}  // namespace

std::optional<Bins> first_fit_decreasing(const std::vector<std::int64_t>& sizes, std::int64_t capacity,
                                         std::size_t max_bins) {
  check_sizes(sizes, capacity);
  std::vector<std::size_t> order(sizes.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Stable sort: equal sizes keep index order, so the packing is deterministic.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return sizes[a] > sizes[b]; });
  Bins bins;
  std::vector<std::int64_t> room;
  for (std::size_t item : order) {
    std::size_t b = 0;
    while (b < bins.size() && room[b] < sizes[item]) ++b;
    if (b == bins.size()) {
      if (bins.size() == max_bins) return std::nullopt;
      bins.emplace_back();
      room.push_back(capacity);
    }
    bins[b].push_back(item);
    room[b] -= sizes[item];
  }
  for (auto& bin : bins) std::sort(bin.begin(), bin.end());
  return bins;
}

Bins fewest_bins(const std::vector<std::int64_t>& sizes, std::int64_t capacity) {
  check_sizes(sizes, capacity);
  if (sizes.empty()) return {};
  const std::int64_t total = std::accumulate(sizes.begin(), sizes.end(), std::int64_t{0});
  // Every item fits alone, so sizes.size() bins always succeed and the loop ends.
  for (auto count = static_cast<std::size_t>((total + capacity - 1) / capacity); count <= sizes.size(); ++count) {
    if (auto bins = first_fit_decreasing(sizes, capacity, count)) return *bins;
  }
  return *first_fit_decreasing(sizes, capacity, sizes.size());  // not reached
}

}  // namespace lcperf::schedulers::training
