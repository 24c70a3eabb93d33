#include "core/memory_tracker.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace lcperf::core {

MemoryTracker::MemoryTracker(int ranks, std::int64_t capacity_bytes_per_rank)
    : capacity_(capacity_bytes_per_rank),
      total_(static_cast<std::size_t>(ranks), 0),
      peak_(static_cast<std::size_t>(ranks), 0),
      by_tag_(static_cast<std::size_t>(ranks), PerTag{}),
      peak_by_tag_(static_cast<std::size_t>(ranks), PerTag{}) {}

std::int64_t MemoryTracker::in_use(int rank, core::MemoryTag tag) const {
  return by_tag_[static_cast<std::size_t>(rank)][static_cast<std::size_t>(tag)];
}

void MemoryTracker::allocate(int rank, core::MemoryTag tag, std::int64_t bytes, double time_s) {
  const auto r = static_cast<std::size_t>(rank);
  const auto t = static_cast<std::size_t>(tag);
  if (!oom_.happened && total_[r] + bytes > capacity_) {
    oom_.happened = true;
    oom_.rank = rank;
    oom_.tag = tag;
    oom_.time_s = time_s;
    oom_.requested_bytes = bytes;
    oom_.in_use_bytes = total_[r];
    oom_.capacity_bytes = capacity_;
  }
  total_[r] += bytes;
  by_tag_[r][t] += bytes;
  peak_[r] = std::max(peak_[r], total_[r]);
  peak_by_tag_[r][t] = std::max(peak_by_tag_[r][t], by_tag_[r][t]);
  record({time_s, rank, tag, bytes, total_[r]});
}

void MemoryTracker::release(int rank, core::MemoryTag tag, std::int64_t bytes, double time_s) {
  const auto r = static_cast<std::size_t>(rank);
  const auto t = static_cast<std::size_t>(tag);
  if (by_tag_[r][t] < bytes) {
    // A rank program freeing more than it allocated is a bug in the program, not input.
    throw std::logic_error("rank " + std::to_string(rank) + " releases " + std::to_string(bytes) + " bytes of " +
                           std::string(core::to_string(tag)) + " but holds only " + std::to_string(by_tag_[r][t]));
  }
  total_[r] -= bytes;
  by_tag_[r][t] -= bytes;
  record({time_s, rank, tag, -bytes, total_[r]});
}

void MemoryTracker::record(const core::MemoryEvent& event) {
  if (recording_) {
    events_.push_back(event);
  } else {
    ++unrecorded_;
  }
}

void MemoryTracker::export_to(core::RunRecords& records) {
  records.memory = std::move(events_);
  records.memory_dropped = unrecorded_;
  records.peak_bytes_per_rank = peak_;
  records.peak_bytes_per_rank_tag.clear();
  for (const PerTag& per_tag : peak_by_tag_) records.peak_bytes_per_rank_tag.emplace_back(per_tag.begin(), per_tag.end());
  records.oom = oom_;
}

}  // namespace lcperf::core
