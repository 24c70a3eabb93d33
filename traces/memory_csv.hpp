#pragma once
// Exports a run's memory events as memory.csv: one line per allocation or release, for
// plotting memory over time per rank and tag in any spreadsheet or pandas.
#include <string>

#include "core/records.hpp"

namespace lcperf::traces {

// Header "time_s,rank,tag,delta_bytes,total_bytes", then one line per MemoryEvent,
// sorted by time then rank (events of one rank at one instant keep their order, since
// the running total depends on it). Times have nanosecond resolution, fixed notation.
std::string memory_csv(const core::RunRecords& records);

// Writes memory_csv() to `path` atomically.
void write_memory_csv(const std::string& path, const core::RunRecords& records);

}  // namespace lcperf::traces
