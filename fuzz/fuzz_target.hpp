#pragma once
// What every fuzz target shares: the contract it checks. Bad input must end as a
// core::InputError (the CLI's exit 2); any other exception, a signal, a sanitizer report
// or a hang is a defect (exit 1 or worse). So a target lets an InputError go, lets every
// other exception escape (libFuzzer and the standalone driver both report it as a crash
// with the input), and checks that the message names where the input came from.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "core/errors.hpp"

namespace lcperf::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `body`; an InputError is the expected answer to bad input, but one whose message
// does not name `origin` (the file the user gave) leaves the user guessing, so when
// `origin` is not empty that is reported as a defect too.
template <typename Body>
int expect_input_errors_only(const std::string& origin, Body&& body) {
  try {
    body();
  } catch (const core::InputError& error) {
    const std::string message = error.what();
    if (!origin.empty() && message.find(origin) == std::string::npos) {
      std::cerr << "fuzz: an input error that does not name " << origin << ": " << message << "\n";
      std::abort();
    }
  }
  return 0;
}

}  // namespace lcperf::fuzz
