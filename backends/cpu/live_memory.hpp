#pragma once
// Per-rank memory accounting of a live run, by tag, with peaks and the first
// out-of-memory event: the same bookkeeping the simulator does (sim/memory_tracker),
// kept here because backends must not link the simulator (and SimGrid). The caller
// serialises access.
#include <array>
#include <cstdint>
#include <vector>

#include "core/memory_tag.hpp"
#include "core/records.hpp"

namespace lcperf::backends::cpu {

class LiveMemory {
 public:
  LiveMemory(int ranks, std::int64_t capacity_bytes_per_rank);

  // Accounted even when it does not fit, so peaks stay meaningful.
  void allocate(int rank, core::MemoryTag tag, std::int64_t bytes, double time_s);
  // Throws std::logic_error when a rank releases more of a tag than it holds.
  void release(int rank, core::MemoryTag tag, std::int64_t bytes, double time_s);

  std::int64_t in_use(int rank) const { return total_[static_cast<std::size_t>(rank)]; }

  // Moves events, peaks and the OOM record into `records`.
  void export_to(core::RunRecords& records);

 private:
  using PerTag = std::array<std::int64_t, core::kMemoryTagCount>;
  std::int64_t capacity_;
  std::vector<std::int64_t> total_;
  std::vector<std::int64_t> peak_;
  std::vector<PerTag> by_tag_;
  std::vector<PerTag> peak_by_tag_;
  std::vector<core::MemoryEvent> events_;
  core::OutOfMemory oom_;
};

}  // namespace lcperf::backends::cpu
