// --help and --version: exit 0, print to stdout, and describe every option.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

void expect_mentions(const std::string& text, const std::vector<std::string>& words) {
  for (const std::string& word : words) EXPECT_NE(text.find(word), std::string::npos) << word << " in:\n" << text;
}

TEST(CliHelp, TopLevelListsSubcommands) {
  const Invocation run = run_lcperf({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.err, "");
  expect_mentions(run.out, {"simulate", "cost", "--version"});
}

TEST(CliHelp, Simulate) {
  const Invocation run = run_lcperf({"simulate", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.err, "");
  expect_mentions(run.out, {"SCENARIO.json", "--set", "--out", "--quiet", "result.json", "timeline.json",
                            "memory.csv", "Example:", "lcperf simulate scenarios/"});
}

TEST(CliHelp, LoadCurve) {
  const Invocation run = run_lcperf({"load-curve", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.err, "");
  expect_mentions(run.out, {"SCENARIO.json", "--scales", "--jobs", "--slo", "--set", "--out", "load_curve.csv",
                            "load_curve.json", "scale-<s>", "Example:", "lcperf load-curve scenarios/"});
}

TEST(CliHelp, Cost) {
  const Invocation run = run_lcperf({"cost", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.err, "");
  expect_mentions(run.out, {"--device", "--op", "@FILE", "time_s", "Example", "lcperf cost --device h200"});
}

TEST(CliHelp, Version) {
  const Invocation run = run_lcperf({"--version"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_FALSE(run.out.empty());
  EXPECT_EQ(run.out.find_first_not_of("0123456789.-+abcdefghijklmnopqrstuvwxyz\n"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace lcperf::cli::testing
