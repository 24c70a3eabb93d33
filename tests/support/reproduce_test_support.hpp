#pragma once
// The reproductions' determinism check, shared by their tests: `lcperf reproduce STUDY
// --quick` run twice must succeed both times and write the same report.
#include <gtest/gtest.h>

#include <string>

#include "core/exit_codes.hpp"
#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {

// Call through ASSERT_NO_FATAL_FAILURE; `report` gets the first run's Markdown.
inline void reproduce_quick_twice(const std::string& study, const ScratchDir& dir, std::string& report) {
  const std::string a = (dir / "a.md").string();
  const std::string b = (dir / "b.md").string();
  const Invocation first = run_lcperf({"reproduce", study, "--quick", "--out", a});
  ASSERT_EQ(first.exit_code, core::kExitSuccess) << first.err;
  const Invocation second = run_lcperf({"reproduce", study, "--quick", "--out", b});
  ASSERT_EQ(second.exit_code, core::kExitSuccess) << second.err;
  report = read_file(a);
  EXPECT_EQ(report, read_file(b));
}

}  // namespace lcperf::cli::testing
