// Fuzz target: BurstGPT CSV text -> a trace that keeps the readers' promises, or an
// InputError naming the file (traces::read_burstgpt_csv, strict and with skip_corrupt).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_target.hpp"
#include "fuzz/trace_checks.hpp"
#include "traces/serving_readers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string origin = "fuzz-trace.csv";
  return lcperf::fuzz::expect_input_errors_only(origin, [&] {
    lcperf::fuzz::read_both_ways(lcperf::traces::read_burstgpt_csv, lcperf::fuzz::as_text(data, size), origin);
  });
}
