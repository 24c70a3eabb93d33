// Fuzz target: a trace given the way `lcperf replay --trace FILE [--format F]` gives it.
// The input is written to a file and read back through traces::load_serving_trace (file
// reading, format detection or a forced format, the corrupt-row policy), then cut and
// rescaled the way a serving scenario's workload.max_requests and workload.time_scale do
// (runs/serving_run.cpp). The first byte holds the options, the rest is the file:
//   bits 0-1  format: detect, azure, mooncake, burstgpt    bit 2  skip corrupt rows
//   bit 3     keep the first 2 requests                     bit 4  time scale 0.5
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "fuzz/fuzz_target.hpp"
#include "fuzz/trace_checks.hpp"
#include "traces/serving_readers.hpp"
#include "traces/serving_transform.hpp"

namespace {

// One file per process, so parallel fuzzers (libFuzzer -jobs) do not share it.
const std::string& trace_path() {
  static const std::string path =
      (std::filesystem::temp_directory_path() / ("lcperf-fuzz-trace-" + std::to_string(::getpid()) + ".trace")).string();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* const kFormats[] = {"", "azure", "mooncake", "burstgpt"};
  const std::uint8_t options = data[0];
  {
    std::ofstream out(trace_path(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  return lcperf::fuzz::expect_input_errors_only(trace_path(), [&] {
    lcperf::traces::ServingTrace trace =
        lcperf::traces::load_serving_trace(trace_path(), kFormats[options & 3], (options & 4) != 0, nullptr);
    lcperf::fuzz::check_trace_promises(trace);
    if ((options & 8) != 0) trace = lcperf::traces::truncate_to_count(trace, 2);
    if ((options & 16) != 0) trace = lcperf::traces::scale_time(trace, 0.5);
    lcperf::fuzz::check_trace_promises(trace);
  });
}
