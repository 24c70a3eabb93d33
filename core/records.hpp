#pragma once
// What every runtime writes: the timeline of device work, the decision log of the
// scheduler, and memory events. Sim and live runs of one scenario produce the same
// decision log; their timelines are compared op by op.
#include <cstdint>
#include <string>
#include <vector>

#include "core/memory_tag.hpp"

namespace lcperf::core {

struct TimelineRecord {
  int rank = 0;
  int stream = 0;
  std::string name;
  std::string category;  // "forward", "backward", "p2p", "collective", ...
  double start_s = 0;
  double end_s = 0;
  double flops = 0;
  double bytes = 0;
  int micro_batch = -1;
};

struct DecisionRecord {
  double time_s = 0;
  int rank = 0;
  std::string kind;    // "schedule", "chunk_layout", "batch", "placement", ...
  std::string detail;  // free text, deterministic
};

struct MemoryEvent {
  double time_s = 0;
  int rank = 0;
  MemoryTag tag = MemoryTag::other;
  std::int64_t delta_bytes = 0;
  std::int64_t total_bytes = 0;  // on this rank after the event
};

struct OutOfMemory {
  bool happened = false;
  int rank = -1;
  MemoryTag tag = MemoryTag::other;
  double time_s = 0;
  std::int64_t requested_bytes = 0;
  std::int64_t in_use_bytes = 0;
  std::int64_t capacity_bytes = 0;
};

// Everything one run (simulated or live) produced.
struct RunRecords {
  std::vector<TimelineRecord> timeline;
  std::uint64_t timeline_dropped = 0;  // records past the run's timeline limit, counted only
  std::vector<DecisionRecord> decisions;
  std::vector<MemoryEvent> memory;
  std::uint64_t memory_dropped = 0;  // memory events after the timeline limit was hit, counted only
  std::vector<std::int64_t> peak_bytes_per_rank;
  std::vector<std::vector<std::int64_t>> peak_bytes_per_rank_tag;  // [rank][tag]
  std::vector<int> node_of_rank;
  OutOfMemory oom;
  double end_time_s = 0;
  std::uint64_t events_simulated = 0;  // activities the runtime executed
  // Non-empty when the run was stopped before its programs finished (the simulation
  // budget, sim.max_events / sim.max_wall_s): says why. The records are then partial,
  // and so is every result computed from them ("partial": true in result.json).
  std::string stopped_reason;
};

}  // namespace lcperf::core
