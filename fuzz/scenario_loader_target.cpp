// Fuzz target: scenario JSON text -> a loaded scenario or an InputError
// (core::load_scenario_text, the parser behind every command's SCENARIO argument).
// The origin sits in the source tree's scenarios/live/, so model and hardware ids
// resolve as for a shipped scenario and the live scenarios' "./tiny-256.model" too.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/scenario.hpp"
#include "fuzz/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Not required in the message: the loader's messages name the JSON path; whether they
  // also name the file for every rule is checked by the CLI tests.
  static const std::string origin = LCPERF_SOURCE_DIR "/scenarios/live/fuzz-input.json";
  return lcperf::fuzz::expect_input_errors_only("", [&] {
    (void)lcperf::core::load_scenario_text(std::string(lcperf::fuzz::as_text(data, size)), origin);
  });
}
