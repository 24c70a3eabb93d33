// A target that misbehaves on demand, so ctest checks that the standalone driver tells
// each kind of defect from an input error: "throw" lets a std::logic_error escape,
// "abort" raises SIGABRT, "hang" never returns; "input error" is the accepted answer
// to bad input. Anything else passes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "fuzz/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = lcperf::fuzz::as_text(data, size);
  return lcperf::fuzz::expect_input_errors_only("selftest", [&] {
    if (text == "throw") throw std::logic_error("selftest: an internal failure");
    if (text == "abort") std::abort();
    if (text == "hang") {
      for (volatile bool forever = true; forever;) {
      }
    }
    if (text == "input error") throw lcperf::core::InputError("selftest: a bad input");
  });
}
