#pragma once
// Atomic output files: a reader (or a killed run) sees either the old content or the
// complete new content, never a half-written file. Every output of lcperf goes
// through here (result.json, timeline.json, memory.csv, reports).
#include <string>
#include <string_view>

namespace lcperf::core {

// Writes `content` to `path.tmp.<pid>` in the same directory (so the rename stays on
// one file system), fsyncs it, then renames it over `path`. Missing parent directories
// are created. Throws std::runtime_error naming the path and the system error.
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace lcperf::core
