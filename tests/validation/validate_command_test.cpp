// `lcperf validate --backend cpu` end to end on the tiny live scenarios: the real binary
// profiles the scenario's own op shapes, calibrates, runs the rank programs live (real
// CPU kernels) and simulated, and must find identical decision logs, exactly equal peak
// memory, the documented keys, and the host-speed scaling computed as documented.
//
// Nothing here is timed: how close the simulated time lands to the measured one depends
// on the host's load, so it is a benchmark (build/bench/validation_error), not a test.
// The scenarios are shrunk (fewer, shorter sequences; one timed call per profile row) so
// that the suite finishes quickly on a loaded machine; what is checked is exact at any size.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli {
namespace {

using testing::run_lcperf;
using testing::ScratchDir;

std::string live_scenario(const std::string& name) { return LCPERF_SOURCE_DIR "/scenarios/live/" + name; }

constexpr int kRuns = 2;

// The shipped scenario, a sampled batch cut to 4 sequences of at most 384 tokens
// (ChunkFlow's 256-token chunks still split the long ones), its relative files made
// absolute, in `dir`.
std::string shrunk_scenario(const std::string& name, const ScratchDir& dir) {
  std::ifstream in(live_scenario(name));
  nlohmann::json s = nlohmann::json::parse(in);
  for (const char* key : {"model", "cluster"}) s[key] = live_scenario(s[key].get<std::string>());
  s["sim"]["device_profile"] = live_scenario(s["sim"]["device_profile"].get<std::string>());
  if (s["workload"]["kind"] == "dataset") {
    s["workload"]["global_batch"] = 4;
    s["workload"]["context_length"] = 384;
  }
  const std::string path = (dir / name).string();
  std::ofstream(path) << s.dump(2);
  return path;
}

// The calibration loop `lcperf validate --device` is meant to be used with: profile the
// scenario's own op shapes through the live executor, calibrate with measured tables
// (exact at those shapes), then validate against that device profile.
std::string calibrated_device(const std::string& scenario, const ScratchDir& dir) {
  const std::string profile = (dir / "profile.json").string();
  const std::string device = (dir / "device.json").string();
  const testing::Invocation prof = run_lcperf(
      {"profile", "--backend", "cpu", "--for-scenario", scenario, "--repetitions", "1", "--out", profile});
  EXPECT_EQ(prof.exit_code, 0) << prof.err;
  // Every kernel part the scenario runs is a profile row: the four classes it uses.
  const nlohmann::json p = nlohmann::json::parse(testing::read_file(dir / "profile.json"));
  for (const char* cls : {"gemm", "attention_fwd", "attention_bwd", "elementwise"}) {
    EXPECT_FALSE(p["grid"][cls].empty()) << cls;
  }
  const testing::Invocation cal =
      run_lcperf({"calibrate", profile, "--base", LCPERF_SOURCE_DIR "/cost_models/devices/cpu-reference.json",
                  "--with-tables", "--out", device});
  EXPECT_EQ(cal.exit_code, 0) << cal.err;
  return device;
}

void validate(const std::string& name, const ScratchDir& dir) {
  const std::string scenario = shrunk_scenario(name, dir);
  const std::string device = calibrated_device(scenario, dir);
  const testing::Invocation run = run_lcperf({"validate", scenario, "--backend", "cpu", "--device", device, "--runs",
                                              std::to_string(kRuns), "--out", (dir / "out").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const nlohmann::json v = nlohmann::json::parse(testing::read_file(dir / "out" / "validation.json"));
  for (const char* key : {"scenario", "decision_logs_identical", "end_to_end", "op_classes", "op_categories",
                          "peak_memory", "ranks", "runs", "device_profile"}) {
    EXPECT_TRUE(v.contains(key)) << key;
  }
  EXPECT_TRUE(v["decision_logs_identical"].get<bool>()) << v["decisions"].dump();
  EXPECT_EQ(v["runs"].get<int>(), kRuns);
  EXPECT_EQ(v["end_to_end"]["measured_s"].size(), static_cast<std::size_t>(kRuns));
  EXPECT_NE(v["device_profile"].get<std::string>().find("device.json"), std::string::npos) << v["device_profile"];
  for (const char* cls : {"gemm", "attention_fwd", "attention_bwd", "elementwise"}) {
    ASSERT_TRUE(v["op_classes"].contains(cls)) << cls;
    EXPECT_GT(v["op_classes"][cls]["count"].get<int>(), 0) << cls;
    EXPECT_TRUE(v["op_classes"][cls].contains("p90_abs_relative_error")) << cls;
  }
  // Memory accounting is deterministic: the simulated and live peaks agree exactly.
  for (const auto& rank : v["peak_memory"]) {
    EXPECT_GT(rank["measured_bytes"].get<std::int64_t>(), 0);
    EXPECT_EQ(rank["simulated_bytes"], rank["measured_bytes"]);
  }
  // The side-by-side trace holds both runs as separate processes.
  const nlohmann::json trace = nlohmann::json::parse(testing::read_file(dir / "out" / "timeline.json"));
  bool simulated = false, measured = false;
  for (const auto& e : trace["traceEvents"]) {
    if (e.value("name", "") != "process_name") continue;
    const std::string process = e["args"]["name"];
    simulated |= process.rfind("simulated", 0) == 0;
    measured |= process.rfind("measured", 0) == 0;
  }
  EXPECT_TRUE(simulated && measured);
  // The calibrated profile was probed for the host's speed, and so was every live run;
  // each run is scaled to the profile's speed (profile probe / its probe), recomputed
  // here independently of the code under test, and so is each run's error.
  const nlohmann::json& end = v["end_to_end"];
  ASSERT_TRUE(end.contains("at_profile_host_speed")) << end.dump();
  const nlohmann::json& at_speed = end["at_profile_host_speed"];
  EXPECT_GT(at_speed["profile_probe_s"].get<double>(), 0.0);
  ASSERT_EQ(at_speed["run_probe_s"].size(), static_cast<std::size_t>(kRuns));
  const double simulated_s = end["simulated_s"].get<double>();
  for (std::size_t i = 0; i < static_cast<std::size_t>(kRuns); ++i) {
    const double expected = end["measured_s"][i].get<double>() * at_speed["profile_probe_s"].get<double>() /
                            at_speed["run_probe_s"][i].get<double>();
    EXPECT_NEAR(at_speed["measured_s"][i].get<double>(), expected, 1e-9 * expected);
    EXPECT_NEAR(at_speed["run_relative_errors"][i].get<double>(), (simulated_s - expected) / expected, 1e-9);
  }
  const double raw_first = end["measured_s"][0].get<double>();
  EXPECT_NEAR(end["run_relative_errors"][0].get<double>(), (simulated_s - raw_first) / raw_first, 1e-9);
}

TEST(ValidateCommand, TinyChunkFlowRunsLiveAndSimulatedWithTheSameDecisions) {
  const ScratchDir dir;
  validate("tiny-256-chunkflow-pp2-dp1.json", dir);
}

TEST(ValidateCommand, TinyMegatronBaselineRunsLiveAndSimulatedWithTheSameDecisions) {
  const ScratchDir dir;
  validate("tiny-256-megatron-pp2-dp1.json", dir);
}

TEST(ValidateCommand, CudaBackendIsABadInputWithoutACudaBuild) {
  const ScratchDir dir;
  const testing::Invocation run =
      run_lcperf({"validate", live_scenario("tiny-256-megatron-pp2-dp1.json"), "--backend", "cuda", "--out",
                  (dir / "out").string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("CUDA"), std::string::npos) << run.err;
}

TEST(ValidateCommand, ServingStepRunsLiveWithTwoStagesAndTheSameDecisions) {
  const ScratchDir dir;
  const std::string out = (dir / "serving").string();
  const testing::Invocation run = run_lcperf(
      {"validate", live_scenario("tiny-256-serving-step.json"), "--set", "parallel.pp=2", "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json v = nlohmann::json::parse(testing::read_file(out + "/validation.json"));
  EXPECT_TRUE(v.at("decisions_identical").get<bool>());
  EXPECT_TRUE(v.at("output_tokens_match").get<bool>());
  // The first six Azure conversation requests ask for these many tokens.
  EXPECT_EQ(v.at("expected_output_tokens").get<std::vector<std::int64_t>>(),
            (std::vector<std::int64_t>{44, 109, 55, 16, 16, 84}));
  for (const char* side : {"live", "simulated"}) {
    const nlohmann::json& r = v.at(side);
    EXPECT_EQ(r.at("kv_blocks_allocated"), r.at("kv_blocks_freed")) << side;
    EXPECT_GE(r.at("steps").get<std::int64_t>(), 109) << side;
    EXPECT_GT(r.at("end_s").get<double>(), 0.0) << side;
  }
  EXPECT_EQ(v.at("live").at("steps"), v.at("simulated").at("steps"));
}

TEST(ValidateCommand, ServingScenariosOfManyInstancesOrLargeModelsAreRefused) {
  const ScratchDir dir;
  const testing::Invocation many = run_lcperf(
      {"validate", LCPERF_SOURCE_DIR "/scenarios/serving/qwen2.5-7b-h200-azure-conv.json", "--out", (dir / "o").string()});
  EXPECT_EQ(many.exit_code, 2) << many.err;
  EXPECT_NE(many.err.find("serving.instances = 1"), std::string::npos) << many.err;
  const testing::Invocation large =
      run_lcperf({"validate", LCPERF_SOURCE_DIR "/scenarios/serving/qwen2.5-7b-h200-azure-conv.json", "--set",
                  "serving.instances=1", "--out", (dir / "o").string()});
  EXPECT_EQ(large.exit_code, 2) << large.err;
  EXPECT_NE(large.err.find("tiny models"), std::string::npos) << large.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "o"));
}

}  // namespace
}  // namespace lcperf::cli
