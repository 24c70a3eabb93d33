// `lcperf simulate` end to end on the shipped smoke scenario: the files it writes, the
// result.json contract keys, and determinism across runs.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

const std::vector<std::string> kOutputs = {"result.json", "timeline.json", "memory.csv", "report.md", "timeline.svg"};

// The text without its lines that mention `word` (wall-clock fields differ run to run).
std::string without_lines_containing(const std::string& text, const std::string& word) {
  std::istringstream in(text);
  std::string kept;
  for (std::string line; std::getline(in, line);) {
    if (line.find(word) == std::string::npos) kept += line + "\n";
  }
  return kept;
}

Invocation simulate_smoke(const fs::path& out, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"simulate", smoke_scenario(), "--out", out.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_lcperf(args);
}

TEST(CliSimulate, WritesEveryOutputAndPrintsSummary) {
  const ScratchDir dir;
  const Invocation run = simulate_smoke(dir / "out");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  for (const std::string& name : kOutputs) {
    EXPECT_GT(fs::file_size(dir / "out" / name), 0u) << name;
    EXPECT_NE(run.out.find((dir / "out" / name).string()), std::string::npos) << name << " not listed in\n" << run.out;
  }
  EXPECT_NE(run.out.find("iteration time"), std::string::npos) << run.out;
  // No temporary files from the atomic writers are left behind.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir / "out")) ++files;
  EXPECT_EQ(files, kOutputs.size());
}

TEST(CliSimulate, ResultJsonHasEveryContractKey) {
  const ScratchDir dir;
  const Invocation run = simulate_smoke(dir / "out", {"--quiet"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "");
  const nlohmann::json result = nlohmann::json::parse(read_file(dir / "out" / "result.json"));
  for (const char* key : {"kind", "iteration_time_s", "tokens_per_s", "mfu", "bubble_ratio", "dp_imbalance",
                          "peak_memory_bytes", "peak_memory_bytes_per_rank", "oom", "recompute_time_s", "scenario",
                          "seed", "lcperf_version", "wall_time_s", "events_simulated"}) {
    EXPECT_TRUE(result.contains(key)) << key;
  }
  EXPECT_EQ(result.at("kind"), "training");
  EXPECT_EQ(result.at("scenario"), "llama3-8b-8xh200-1f1b");
  EXPECT_EQ(result.at("peak_memory_bytes_per_rank").size(), 8u);
  EXPECT_GT(result.at("iteration_time_s").get<double>(), 0.0);
  EXPECT_GT(result.at("events_simulated").get<std::uint64_t>(), 0u);

  const nlohmann::json trace = nlohmann::json::parse(read_file(dir / "out" / "timeline.json"));
  EXPECT_FALSE(trace.at("traceEvents").empty());
}

TEST(CliSimulate, TwoRunsGiveIdenticalFiles) {
  const ScratchDir dir;
  ASSERT_EQ(simulate_smoke(dir / "a", {"-q"}).exit_code, 0);
  ASSERT_EQ(simulate_smoke(dir / "b", {"-q"}).exit_code, 0);
  const std::string a = read_file(dir / "a" / "result.json");
  const std::string b = read_file(dir / "b" / "result.json");
  EXPECT_NE(a.find("\"wall_time_s\""), std::string::npos);
  EXPECT_EQ(without_lines_containing(a, "\"wall_time_s\""), without_lines_containing(b, "\"wall_time_s\""));
  EXPECT_EQ(read_file(dir / "a" / "timeline.json"), read_file(dir / "b" / "timeline.json"));
  EXPECT_EQ(read_file(dir / "a" / "memory.csv"), read_file(dir / "b" / "memory.csv"));
  EXPECT_EQ(read_file(dir / "a" / "timeline.svg"), read_file(dir / "b" / "timeline.svg"));
  EXPECT_EQ(without_lines_containing(read_file(dir / "a" / "report.md"), "wall time"),
            without_lines_containing(read_file(dir / "b" / "report.md"), "wall time"));
}

TEST(CliSimulate, DefaultOutputFolderIsNamedAfterTheScenario) {
  const ScratchDir dir;
  const Invocation run = run_lcperf({"simulate", smoke_scenario(), "-q"}, dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const std::string& name : kOutputs) {
    EXPECT_TRUE(fs::exists(dir / "out" / "llama3-8b-8xh200-1f1b" / name)) << name;
  }
}

TEST(CliSimulate, SetOverridesChangeTheRun) {
  const ScratchDir dir;
  const Invocation run = simulate_smoke(dir / "out", {"-q", "--set", "parallel.num_micro_batches=4", "--set",
                                                      "seed=7"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json result = nlohmann::json::parse(read_file(dir / "out" / "result.json"));
  EXPECT_EQ(result.at("seed"), 7);
  // 4 micro-batches of one 8192-token sequence on each of 2 DP replicas.
  EXPECT_EQ(result.at("tokens_per_iteration"), 4 * 8192 * 2);
}

}  // namespace
}  // namespace lcperf::cli::testing
