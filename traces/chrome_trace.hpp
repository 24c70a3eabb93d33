#pragma once
// Exports a run's records in the Chrome trace event format, which Perfetto
// (ui.perfetto.dev) and chrome://tracing open directly: one process per node, one
// thread per (rank, stream), device work as complete events, memory as counters and
// scheduler decisions as instant events.
#include <string>

#include "core/records.hpp"

namespace lcperf::traces {

// The trace as a JSON document. Events are sorted, times are printed in microseconds
// with nanosecond resolution, so identical records give byte-identical text.
std::string chrome_trace_json(const core::RunRecords& records, const std::string& scenario_name);

// Writes chrome_trace_json() to `path` atomically (temp file + rename).
void write_chrome_trace(const std::string& path, const core::RunRecords& records, const std::string& scenario_name);

// Display name of a stream id: "compute", "send", "recv", "collective", "host", or "stream S".
std::string stream_display_name(int stream);

}  // namespace lcperf::traces
