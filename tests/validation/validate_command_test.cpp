// `lcperf validate --backend cpu` end to end on the tiny live scenarios: the real binary
// runs the rank programs live (real CPU kernels) and simulated, and must find identical
// decision logs, write the documented keys, and land within a loose error bound of a
// device profile calibrated on the scenario's own shapes (profile, calibrate, validate).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli {
namespace {

using testing::run_lcperf;
using testing::ScratchDir;

std::string live_scenario(const std::string& name) { return LCPERF_SOURCE_DIR "/scenarios/live/" + name; }

// The calibration loop `lcperf validate --device` is meant to be used with: profile the
// scenario's own op shapes through the live executor, calibrate with measured tables
// (exact at those shapes), then validate against that device profile.
//
// Bound on the median over runs of |simulated - measured| / measured, with the runs
// scaled to the profile's host speed. Seen on the 2-core machine (scenarios/live/README.md,
// "Calibrated validation"): within 0.15 in most loops; 0.5 leaves room for what speed
// probes do not catch. The uncalibrated hand-made profile lands at +0.53..+0.64.
constexpr double kEndToEndBound = 0.5;
constexpr int kRuns = 3;

std::string calibrated_device(const std::string& scenario, const ScratchDir& dir) {
  const std::string profile = (dir / "profile.json").string();
  const std::string device = (dir / "device.json").string();
  const testing::Invocation prof = run_lcperf(
      {"profile", "--backend", "cpu", "--for-scenario", live_scenario(scenario), "--out", profile});
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

double median_abs(const nlohmann::json& errors) {
  std::vector<double> values;
  for (const auto& e : errors) values.push_back(std::abs(e.get<double>()));
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n == 0 ? std::numeric_limits<double>::infinity() : n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// A whole loop (profile, calibrate, validate) is taken again, at most kLoops times in
// all, while the host's speed probes say it changed speed within the loop: the error
// bound below is about the simulator, measured on a machine of one speed. Every check
// applies to the last loop, steady or not.
constexpr int kLoops = 3;

void validate(const std::string& scenario, const ScratchDir& dir) {
  testing::Invocation run;
  nlohmann::json v;
  for (int loop = 0; loop < kLoops; ++loop) {
    std::filesystem::remove_all(dir / "out");
    const std::string device = calibrated_device(scenario, dir);
    run = run_lcperf({"validate", live_scenario(scenario), "--backend", "cpu", "--device", device, "--runs",
                      std::to_string(kRuns), "--out", (dir / "out").string()});
    ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
    v = nlohmann::json::parse(testing::read_file(dir / "out" / "validation.json"));
    const nlohmann::json& end = v["end_to_end"];
    if (!end.contains("at_profile_host_speed") || end["at_profile_host_speed"]["host_speed_steady"].get<bool>()) break;
    std::cerr << "loop " << loop + 1 << ": the host changed speed (probe spread "
              << end["at_profile_host_speed"]["probe_spread"] << "), error "
              << end["at_profile_host_speed"]["relative_error"]
              << (loop + 1 < kLoops ? "; taking the loop again\n" : "; no loop left: checking this one\n");
  }
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
    const std::string name = e["args"]["name"];
    simulated |= name.rfind("simulated", 0) == 0;
    measured |= name.rfind("measured", 0) == 0;
  }
  EXPECT_TRUE(simulated && measured);
  // The calibrated profile was probed for the host's speed, and so was every live run;
  // the bound applies at the profile's speed (the shared CI machine changes speed by up
  // to 2x from one minute to the next, scenarios/live/README.md). Checked on every run.
  const nlohmann::json& end = v["end_to_end"];
  ASSERT_TRUE(end.contains("at_profile_host_speed")) << end.dump();
  const nlohmann::json& at_speed = end["at_profile_host_speed"];
  EXPECT_GT(at_speed["profile_probe_s"].get<double>(), 0.0);
  ASSERT_EQ(at_speed["run_probe_s"].size(), static_cast<std::size_t>(kRuns));
  for (std::size_t i = 0; i < static_cast<std::size_t>(kRuns); ++i) {
    // Each run scaled by profile probe / its probe, independently of the code under test.
    const double expected = end["measured_s"][i].get<double>() * at_speed["profile_probe_s"].get<double>() /
                            at_speed["run_probe_s"][i].get<double>();
    EXPECT_NEAR(at_speed["measured_s"][i].get<double>(), expected, 1e-9 * expected);
  }
  const double error = median_abs(at_speed["run_relative_errors"]);
  EXPECT_LE(error, kEndToEndBound) << "live CPU share " << v["live_cpu_share"].get<double>() << ", " << end.dump()
                                   << "\n" << run.out;
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
