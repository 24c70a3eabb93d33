#include "backends/cpu/live_memory.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace lcperf::backends::cpu {

LiveMemory::LiveMemory(int ranks, std::int64_t capacity_bytes_per_rank)
    : capacity_(capacity_bytes_per_rank),
      total_(static_cast<std::size_t>(ranks), 0),
      peak_(static_cast<std::size_t>(ranks), 0),
      by_tag_(static_cast<std::size_t>(ranks), PerTag{}),
      peak_by_tag_(static_cast<std::size_t>(ranks), PerTag{}) {}

void LiveMemory::allocate(int rank, core::MemoryTag tag, std::int64_t bytes, double time_s) {
  const auto r = static_cast<std::size_t>(rank);
  const auto t = static_cast<std::size_t>(tag);
  if (!oom_.happened && total_[r] + bytes > capacity_) {
    oom_ = {true, rank, tag, time_s, bytes, total_[r], capacity_};
  }
  total_[r] += bytes;
  by_tag_[r][t] += bytes;
  peak_[r] = std::max(peak_[r], total_[r]);
  peak_by_tag_[r][t] = std::max(peak_by_tag_[r][t], by_tag_[r][t]);
  events_.push_back({time_s, rank, tag, bytes, total_[r]});
}

void LiveMemory::release(int rank, core::MemoryTag tag, std::int64_t bytes, double time_s) {
  const auto r = static_cast<std::size_t>(rank);
  const auto t = static_cast<std::size_t>(tag);
  if (by_tag_[r][t] < bytes) {
    throw std::logic_error("rank " + std::to_string(rank) + " releases " + std::to_string(bytes) + " bytes of " +
                           std::string(core::to_string(tag)) + " but holds only " + std::to_string(by_tag_[r][t]));
  }
  total_[r] -= bytes;
  by_tag_[r][t] -= bytes;
  events_.push_back({time_s, rank, tag, -bytes, total_[r]});
}

void LiveMemory::export_to(core::RunRecords& records) {
  records.memory = std::move(events_);
  records.peak_bytes_per_rank = peak_;
  records.peak_bytes_per_rank_tag.clear();
  for (const PerTag& per_tag : peak_by_tag_) records.peak_bytes_per_rank_tag.emplace_back(per_tag.begin(), per_tag.end());
  records.oom = oom_;
}

}  // namespace lcperf::backends::cpu
