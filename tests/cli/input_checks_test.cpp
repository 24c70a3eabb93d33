// Hostile inputs from the reliability issues, each a regression test: every one is exit 2
// with one message naming the file (or flag), the JSON path or line, and the rule, and
// none reaches a simulation (they all fail before one, so the cases take milliseconds).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

constexpr int kBadInput = 2;
const std::string kServing = LCPERF_SOURCE_DIR "/scenarios/serving/qwen2.5-7b-h200-azure-conv.json";
const std::string kServingTrace = LCPERF_SOURCE_DIR "/traces/data/serving/azure-conv-2023.csv";
// A folder nobody can create anything in, even root (/proc takes no new entries).
const std::string kUnwritable = "/proc/lcperf-no-such-folder";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs lcperf and checks the common shape: exit 2, one "lcperf: error: " message with
// every one of `parts`, nothing on stdout.
Invocation expect_bad_input(const std::vector<std::string>& args, const std::vector<std::string>& parts) {
  Invocation run = run_lcperf(args);
  EXPECT_EQ(run.exit_code, kBadInput) << run.err;
  EXPECT_EQ(run.err.rfind("lcperf: error: ", 0), 0u) << run.err;
  EXPECT_EQ(run.out, "");
  for (const std::string& part : parts) EXPECT_TRUE(contains(run.err, part)) << "missing '" << part << "' in\n" << run.err;
  return run;
}

TEST(InputChecks, NumbersBeyondADoubleAreBadInputAtTheirLine) {
  for (const std::string number : {"1e309", "-1e309", "1e400"}) {
    const ScratchDir dir;
    write_file(dir / "s.json", "{\n  \"name\": \"x\",\n  \"seed\": " + number + "\n}\n");
    const Invocation run = expect_bad_input({"simulate", (dir / "s.json").string(), "--out", (dir / "out").string()},
                                            {(dir / "s.json").string() + ":3:11: number '" + number + "'",
                                             "out of range"});
    EXPECT_FALSE(contains(run.err, "internal failure")) << run.err;
  }
}

TEST(InputChecks, IntegerValuedFieldsAreRangeCheckedNotWrapped) {
  // 1e19 bytes of HBM once wrapped to a negative capacity and ran with exit 0.
  const ScratchDir dir;
  expect_bad_input({"simulate", smoke_scenario(), "--set", "cluster.hardware.hbm_bytes=1e19", "--out",
                    (dir / "out").string()},
                   {smoke_scenario(), "$.cluster.hardware.hbm_bytes", "must be at most 1e+15"});
  expect_bad_input({"simulate", kServing, "--set", "cluster.hardware.hbm_bytes=1e19", "--out", (dir / "out").string()},
                   {kServing, "$.cluster.hardware.hbm_bytes", "must be at most"});
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(InputChecks, BandwidthsLatenciesAndPeriodsHaveFloors) {
  const ScratchDir dir;
  const std::string out = (dir / "out").string();
  // 1e-300 B/s once aborted a SimGrid actor (SIGABRT).
  expect_bad_input({"simulate", smoke_scenario(), "--set", "cluster.hardware.nvlink_bandwidth_bytes_per_s=1e-300",
                    "--out", out},
                   {"$.cluster.hardware.nvlink_bandwidth_bytes_per_s", "must be 0 (absent) or at least 1e+06"});
  expect_bad_input({"simulate", smoke_scenario(), "--set", "cluster.hardware.hbm_bandwidth_bytes_per_s=1e-300",
                    "--out", out},
                   {"$.cluster.hardware.hbm_bandwidth_bytes_per_s", "must be at least 1000000"});
  expect_bad_input({"simulate", smoke_scenario(), "--set", "cluster.hardware.nic_latency_s=1e-300", "--out", out},
                   {"$.cluster.hardware.nic_latency_s", "must be 0 (absent) or at least 1e-12"});
  const std::string distkv = LCPERF_SOURCE_DIR "/scenarios/distkv/llama2-13b-a100x2-tp1-distkv-smoke.json";
  expect_bad_input({"simulate", distkv, "--set", "serving.distkv.reclaim_period_s=1e-9", "--out", out},
                   {distkv, "$.serving.distkv.reclaim_period_s", "must be at least 0.0001"});
}

TEST(InputChecks, SharesStayBelowOne) {
  const ScratchDir dir;
  expect_bad_input({"simulate", kServing, "--set", "workload.long_requests={\"count\": 2, \"generation_share\": 1}",
                    "--out", (dir / "out").string()},
                   {kServing, "$.workload.long_requests.generation_share", "must be less than 1"});
}

TEST(InputChecks, UnboundedInputsAreRefused) {
  const ScratchDir dir;
  const std::string out = (dir / "out").string();
  expect_bad_input({"simulate", "/dev/zero", "--out", out}, {"/dev/zero: is a device or socket, not a file"});
  expect_bad_input({"replay", kServing, "--trace", "/dev/zero", "--out", out}, {"/dev/zero: is a device"});
  expect_bad_input({"cost", "--device", "h100", "--op", "@/dev/zero"}, {"/dev/zero: is a device"});
}

TEST(InputChecks, FoldersAndOverlongNamesAreNamedAsSuch) {
  const ScratchDir dir;
  const std::string out = (dir / "out").string();
  expect_bad_input({"simulate", dir.path().string(), "--out", out}, {dir.path().string() + ": is a folder, not a file"});
  expect_bad_input({"replay", kServing, "--trace", dir.path().string(), "--out", out},
                   {dir.path().string() + ": is a folder, not a file"});
  const std::string long_name = std::string(300, 'x');
  const std::string long_file = (dir / (long_name + ".json")).string();
  expect_bad_input({"simulate", long_file, "--out", out},
                   {std::to_string(long_file.size()) + " characters)", "File name too long"});
  // A trace named in the scenario once surfaced as a `filesystem error` (exit 1).
  nlohmann::json scenario = nlohmann::json::parse(read_file(kServing));
  scenario["workload"]["trace"] = long_name + ".csv";
  write_file(dir / "s.json", scenario.dump());
  const Invocation run = expect_bad_input({"simulate", (dir / "s.json").string(), "--out", out}, {"(304 characters)"});
  EXPECT_LT(run.err.size(), 1000u) << run.err;
  expect_bad_input({"simulate", smoke_scenario(), "--out", (dir / long_name).string()},
                   {"a name in the path is longer than the system allows"});
}

TEST(InputChecks, OutputPlacesAreCheckedBeforeRunningInEveryCommand) {
  const ScratchDir dir;
  // A folder where the run would write result.json: refused before simulating, untouched.
  fs::create_directories(dir / "out" / "result.json" / "mine");
  expect_bad_input({"simulate", smoke_scenario(), "--out", (dir / "out").string()},
                   {(dir / "out" / "result.json").string() + ": is a folder where the run writes a file"});
  EXPECT_TRUE(fs::exists(dir / "out" / "result.json" / "mine"));
  // An unwritable place: the same exit 2 and message shape from every command.
  const std::string in_unwritable = "cannot be created, /proc is not writable";
  expect_bad_input({"simulate", smoke_scenario(), "--out", kUnwritable}, {kUnwritable, in_unwritable});
  expect_bad_input({"replay", kServing, "--out", kUnwritable}, {kUnwritable, in_unwritable});
  expect_bad_input({"sweep", LCPERF_SOURCE_DIR "/sweeps/qwen2.5-7b-32k-chunkflow-vs-megatron.json", "--out", kUnwritable},
                   {kUnwritable, in_unwritable});
  expect_bad_input({"memory-study", "--steps", "1", "--out", kUnwritable + "/m.md"}, {in_unwritable});
  expect_bad_input({"reproduce", "qwen1m", "--quick", "--out", kUnwritable + "/r.md"}, {in_unwritable});
  fs::create_directories(dir / "run");
  write_file(dir / "run" / "result.json", "{}");
  expect_bad_input({"report", (dir / "run").string(), "--out", kUnwritable + "/p.html"}, {in_unwritable});
}

TEST(InputChecks, ServingSizeErrorsNameTheFileAndField) {
  const ScratchDir dir;
  // Once "the weights of inline ... do not fit", naming neither file nor field.
  expect_bad_input({"simulate", kServing, "--set", "cluster.hardware.hbm_bytes=1e9", "--out", (dir / "out").string()},
                   {kServing + ": $.cluster.hardware.hbm_bytes: the weights of", "do not fit"});
}

TEST(InputChecks, UnknownSubcommandIsNamed) {
  expect_bad_input({"frobnicate"}, {"unknown subcommand 'frobnicate'", "simulate"});
}

TEST(InputChecks, AnUnknownKeyIsEchoedCut) {
  const ScratchDir dir;
  nlohmann::json scenario = valid_scenario();
  scenario["parallel"][std::string(1 << 20, 'k')] = 1;
  write_file(dir / "s.json", scenario.dump());
  const Invocation run = expect_bad_input({"simulate", (dir / "s.json").string(), "--out", (dir / "out").string()},
                                          {"unknown key 'kkk", "(1048576 characters) at $.parallel"});
  EXPECT_LT(run.err.size(), 1000u);
}

TEST(InputChecks, DuplicateKeysAreRefusedNamingBothPlaces) {
  const ScratchDir dir;
  write_file(dir / "s.json",
             "{\"name\": \"x\",\n \"parallel\": {\"tp\": 2,\n              \"tp\": 4}, \"model\": \"llama3-8b\"}\n");
  expect_bad_input({"simulate", (dir / "s.json").string(), "--out", (dir / "out").string()},
                   {(dir / "s.json").string() + ":3:15: $.parallel: duplicate key 'tp' (first at 2:15)"});
}

TEST(InputChecks, CsvTraceWithAByteOrderMarkIsAccepted) {
  const ScratchDir dir;
  std::string lines;
  {
    const std::string all = read_file(kServingTrace);
    std::size_t end = 0;
    for (int i = 0; i < 9; ++i) end = all.find('\n', end) + 1;  // the header and 8 requests
    lines = all.substr(0, end);
  }
  write_file(dir / "bom.csv", "\xEF\xBB\xBF" + lines);
  const Invocation run = run_lcperf({"replay", kServing, "--trace", (dir / "bom.csv").string(), "--out",
                                     (dir / "out").string(), "-q"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json result = nlohmann::json::parse(read_file(dir / "out" / "result.json"));
  EXPECT_EQ(result["requests"], 8) << result.dump();
}

TEST(InputChecks, MemoryStudyRefusesANegativeSeed) {
  expect_bad_input({"memory-study", "--seed", "-1", "--steps", "1"}, {"--seed", "must not be negative"});
}

}  // namespace
}  // namespace lcperf::cli::testing
