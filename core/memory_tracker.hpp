#pragma once
// Per-rank device memory accounting by tag, with peaks and the first out-of-memory
// event. Runtime-neutral: the simulator feeds it with virtual time, the live backends
// with their steady clock (they serialise access themselves).
#include <array>
#include <cstdint>
#include <vector>

#include "core/memory_tag.hpp"
#include "core/records.hpp"

namespace lcperf::core {

class MemoryTracker {
 public:
  MemoryTracker(int ranks, std::int64_t capacity_bytes_per_rank);

  // Accounts the allocation even when it does not fit, so peaks stay meaningful; the
  // first allocation that exceeds the capacity is remembered as the OOM event.
  void allocate(int rank, core::MemoryTag tag, std::int64_t bytes, double time_s);
  // Throws std::logic_error when a rank releases more of a tag than it holds.
  void release(int rank, core::MemoryTag tag, std::int64_t bytes, double time_s);

  std::int64_t in_use(int rank) const { return total_[static_cast<std::size_t>(rank)]; }
  std::int64_t in_use(int rank, core::MemoryTag tag) const;
  std::int64_t peak(int rank) const { return peak_[static_cast<std::size_t>(rank)]; }
  std::int64_t capacity() const { return capacity_; }

  // From now on events are only counted (peaks and the OOM record stay exact): a run
  // whose timeline hit its limit stops its memory events with it.
  void stop_recording_events() { recording_ = false; }

  // Moves the events (and the count of unrecorded ones), peaks and OOM record into `records`.
  void export_to(core::RunRecords& records);

 private:
  using PerTag = std::array<std::int64_t, core::kMemoryTagCount>;
  void record(const core::MemoryEvent& event);
  std::int64_t capacity_;
  std::vector<std::int64_t> total_;
  std::vector<std::int64_t> peak_;
  std::vector<PerTag> by_tag_;
  std::vector<PerTag> peak_by_tag_;
  std::vector<core::MemoryEvent> events_;
  bool recording_ = true;
  std::uint64_t unrecorded_ = 0;
  core::OutOfMemory oom_;
};

}  // namespace lcperf::core
