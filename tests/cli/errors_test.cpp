// Bad input never crashes: `lcperf` exits 2 with one "lcperf: error: " message that
// names the file and the JSON path or line:column and the rule broken, and writes nothing.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

constexpr int kBadInput = 2;

// Writes `scenario` into `dir`, simulates it into dir/out and checks the failure.
Invocation simulate_bad(const ScratchDir& dir, const std::string& scenario_text) {
  const fs::path file = dir / "scenario.json";
  write_file(file, scenario_text);
  Invocation run = run_lcperf({"simulate", file.string(), "--out", (dir / "out").string()});
  EXPECT_EQ(run.exit_code, kBadInput) << run.err;
  const std::string file_name = file.string();
  EXPECT_EQ(run.err.rfind("lcperf: error: " + file_name + ":", 0), 0u) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_FALSE(fs::exists(dir / "out")) << "a failed run must write nothing";
  return run;
}

TEST(CliErrors, ValidScenarioFromTheTestsRuns) {
  // The base the other cases break must itself be valid.
  const ScratchDir dir;
  write_file(dir / "scenario.json", valid_scenario().dump());
  const Invocation run =
      run_lcperf({"simulate", (dir / "scenario.json").string(), "--out", (dir / "out").string(), "-q"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_TRUE(fs::exists(dir / "out" / "result.json"));
}

TEST(CliErrors, MalformedJsonNamesLineAndColumn) {
  const ScratchDir dir;
  const Invocation run = simulate_bad(dir, "{\n  \"name\": \"x\",\n  \"model\": ]\n}\n");
  EXPECT_NE(run.err.find("scenario.json:3:12: malformed JSON"), std::string::npos) << run.err;
}

TEST(CliErrors, UnknownKeyNamesJsonPath) {
  const ScratchDir dir;
  nlohmann::json scenario = valid_scenario();
  scenario["parallel"]["tpp"] = 2;
  const Invocation run = simulate_bad(dir, scenario.dump(2));
  EXPECT_NE(run.err.find("unknown key 'tpp' at $.parallel"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("did you mean 'tp'?"), std::string::npos) << run.err;
}

TEST(CliErrors, TensorParallelMustDivideHeads) {
  const ScratchDir dir;
  nlohmann::json scenario = valid_scenario();
  scenario["parallel"]["tp"] = 3;
  scenario["parallel"]["pp"] = 1;
  scenario["parallel"]["dp"] = 1;
  const Invocation run = simulate_bad(dir, scenario.dump(2));
  EXPECT_NE(run.err.find("$.parallel"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("tp=3 does not divide the attention heads of llama3-8b (32)"), std::string::npos)
      << run.err;
}

TEST(CliErrors, PipelineParallelMustDivideLayers) {
  const ScratchDir dir;
  nlohmann::json scenario = valid_scenario();
  scenario["parallel"]["tp"] = 1;
  scenario["parallel"]["pp"] = 3;
  scenario["parallel"]["dp"] = 1;
  const Invocation run = simulate_bad(dir, scenario.dump(2));
  EXPECT_NE(run.err.find("$.parallel"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("does not divide the 32 layers of llama3-8b"), std::string::npos) << run.err;
}

TEST(CliErrors, ClusterTooSmall) {
  const ScratchDir dir;
  nlohmann::json scenario = valid_scenario();
  scenario["parallel"]["dp"] = 4;  // 2*2*4 = 16 GPUs on one node of 8
  const Invocation run = simulate_bad(dir, scenario.dump(2));
  EXPECT_NE(run.err.find("16 GPUs do not fit the cluster's 8"), std::string::npos) << run.err;
}

TEST(CliErrors, UnknownModelIdListsKnownOnes) {
  const ScratchDir dir;
  nlohmann::json scenario = valid_scenario();
  scenario["model"] = "llama3-9b";
  const Invocation run = simulate_bad(dir, scenario.dump(2));
  EXPECT_NE(run.err.find("$.model: unknown model id 'llama3-9b'"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("llama3-8b"), std::string::npos) << run.err;
}

TEST(CliErrors, SetOverridesAreValidatedLikeTheFile) {
  const ScratchDir dir;
  write_file(dir / "scenario.json", valid_scenario().dump());
  const std::string file = (dir / "scenario.json").string();
  Invocation run = run_lcperf({"simulate", file, "--set", "parallel.tp=3", "--set", "parallel.dp=1",
                               "--set", "parallel.pp=1", "--out", (dir / "out").string()});
  EXPECT_EQ(run.exit_code, kBadInput) << run.err;
  EXPECT_NE(run.err.find("tp=3 does not divide"), std::string::npos) << run.err;

  run = run_lcperf({"simulate", file, "--set", "parallel.tp"});
  EXPECT_EQ(run.exit_code, kBadInput) << run.err;
  EXPECT_EQ(run.err.rfind("lcperf: error: --set 'parallel.tp': expected PATH=VALUE", 0), 0u) << run.err;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(CliErrors, MissingScenarioFileNamesIt) {
  const ScratchDir dir;
  const std::string missing = (dir / "nope.json").string();
  const Invocation run = run_lcperf({"simulate", missing});
  EXPECT_EQ(run.exit_code, kBadInput);
  EXPECT_EQ(run.err, "lcperf: error: " + missing + ": cannot read file\n");
}

TEST(CliErrors, UnknownFlagGivesUsageHint) {
  const Invocation run = run_lcperf({"simulate", smoke_scenario(), "--bogus"});
  EXPECT_EQ(run.exit_code, kBadInput);
  EXPECT_EQ(run.err.rfind("lcperf: error: ", 0), 0u) << run.err;
  EXPECT_NE(run.err.find("--bogus"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("run 'lcperf simulate --help'"), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST(CliErrors, MissingArgumentsAndSubcommand) {
  Invocation run = run_lcperf({"simulate"});
  EXPECT_EQ(run.exit_code, kBadInput);
  EXPECT_NE(run.err.find("scenario is required"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("run 'lcperf simulate --help'"), std::string::npos) << run.err;

  run = run_lcperf({"cost", "--device", "h200"});
  EXPECT_EQ(run.exit_code, kBadInput);
  EXPECT_NE(run.err.find("--op is required"), std::string::npos) << run.err;

  // A misspelt required option: the stray argument is named, not only the missing one.
  run = run_lcperf({"cost", "--device", "h200", "--opp", "{}"});
  EXPECT_EQ(run.exit_code, kBadInput);
  EXPECT_NE(run.err.find("--opp"), std::string::npos) << run.err;

  run = run_lcperf({});
  EXPECT_EQ(run.exit_code, kBadInput);
  EXPECT_NE(run.err.find("run 'lcperf --help'"), std::string::npos) << run.err;

  run = run_lcperf({"simulat"});
  EXPECT_EQ(run.exit_code, kBadInput);
  EXPECT_EQ(run.err.rfind("lcperf: error: ", 0), 0u) << run.err;
}

TEST(CliErrors, OutputFolderThatIsAFile) {
  const ScratchDir dir;
  write_file(dir / "taken", "x");
  const Invocation run = run_lcperf({"simulate", smoke_scenario(), "--out", (dir / "taken").string()});
  EXPECT_EQ(run.exit_code, kBadInput);
  EXPECT_NE(run.err.find("taken: the output folder is an existing file"), std::string::npos) << run.err;
  EXPECT_EQ(read_file(dir / "taken"), "x");
}

}  // namespace
}  // namespace lcperf::cli::testing
