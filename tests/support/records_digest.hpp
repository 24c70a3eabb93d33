#pragma once
// What a simulation did, as text a parent process can compare with another run's (runs
// happen in forked children: SimGrid allows one engine per process): a header line
// "end T events N stopped 0|1", one line per timeline record in append order
// "rec RANK STREAM START END NAME" (dates at %.17g, every bit), then "peak RANK BYTES"
// per rank.
#include <cstdio>
#include <string>

#include "core/records.hpp"

namespace lcperf::testing {

inline std::string records_digest(const core::RunRecords& r) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "end %.17g events %llu stopped %d\n", r.end_time_s,
                static_cast<unsigned long long>(r.events_simulated), r.stopped_reason.empty() ? 0 : 1);
  out += line;
  for (const core::TimelineRecord& t : r.timeline) {
    std::snprintf(line, sizeof line, "rec %d %d %.17g %.17g %s\n", t.rank, t.stream, t.start_s, t.end_s,
                  t.name.c_str());
    out += line;
  }
  for (std::size_t i = 0; i < r.peak_bytes_per_rank.size(); ++i) {
    out += "peak " + std::to_string(i) + " " + std::to_string(r.peak_bytes_per_rank[i]) + "\n";
  }
  return out;
}

}  // namespace lcperf::testing
