// Fuzz target: sweep file JSON text -> a SweepSpec or an InputError naming the file
// (runs::parse_sweep_spec, what `lcperf sweep FILE` reads before anything runs).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_target.hpp"
#include "runs/sweep_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string origin = "fuzz-sweep.json";
  return lcperf::fuzz::expect_input_errors_only(origin, [&] {
    (void)lcperf::runs::parse_sweep_spec(std::string(lcperf::fuzz::as_text(data, size)), origin);
  });
}
