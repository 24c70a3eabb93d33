// `lcperf replay`: a serving trace through the serving engine on the simulator.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace lcperf::cli {
namespace {

using testing::read_file;
using testing::run_lcperf;
using testing::ScratchDir;
using testing::write_file;

const std::string kScenario = LCPERF_SOURCE_DIR "/scenarios/serving/qwen2.5-7b-h200-azure-conv.json";

TEST(ReplayCommand, EveryRequestCompletesAndResultHasTheServingKeys) {
  const ScratchDir dir;
  const auto run = run_lcperf({"replay", kScenario, "--set", "workload.max_requests=60", "--out", (dir / "out").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto result = nlohmann::json::parse(read_file(dir / "out" / "result.json"));
  EXPECT_EQ(result["kind"], "serving");
  EXPECT_EQ(result["requests"], 60);
  EXPECT_EQ(result["completed"], 60);
  for (const char* key : {"duration_s", "throughput_tokens_per_s", "preemptions", "max_context_tokens", "peak_kv_bytes",
                          "scenario", "seed", "lcperf_version", "wall_time_s", "events_simulated"}) {
    EXPECT_TRUE(result.contains(key)) << key;
  }
  for (const char* key : {"ttft_s", "tpot_s", "e2e_s"}) {
    for (const char* p : {"p50", "p90", "p99", "mean"}) EXPECT_TRUE(result[key].contains(p)) << key << "." << p;
    EXPECT_LE(result[key]["p50"].get<double>(), result[key]["p99"].get<double>());
  }
  EXPECT_GT(result["ttft_s"]["p50"].get<double>(), 0.0);
}

TEST(ReplayCommand, TinyKvBudgetPreemptsAndStillCompletesEverything) {
  const ScratchDir dir;
  // Arrivals compressed 1000x so requests contend for a KV cache of ~65 MB per GPU.
  const auto run = run_lcperf({"replay", kScenario, "--set", "workload.max_requests=40", "--set",
                               "workload.time_scale=0.001", "--set", "serving.instances=1", "--set",
                               "serving.kv_memory_fraction=0.0005", "--out", (dir / "out").string(), "--quiet"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto result = nlohmann::json::parse(read_file(dir / "out" / "result.json"));
  EXPECT_EQ(result["completed"].get<int>() + result["rejected"].get<int>(), 40);
  EXPECT_GT(result["preemptions"].get<int>(), 0);
}

TEST(ReplayCommand, CorruptTraceRowIsBadInputNamingTheLine) {
  const ScratchDir dir;
  write_file(dir / "bad.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                              "2023-11-16 18:15:46.6805900,374,44\n"
                              "2023-11-16 18:15:50.9951690,oops,11\n");
  const auto run = run_lcperf({"replay", kScenario, "--trace", (dir / "bad.csv").string(), "--format", "azure",
                               "--out", (dir / "out").string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("bad.csv:3"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

TEST(ReplayCommand, SameScenarioGivesTheSameResult) {
  const ScratchDir dir;
  for (const char* out : {"a", "b"}) {
    const auto run = run_lcperf({"replay", kScenario, "--set", "workload.max_requests=30", "--out", (dir / out).string(),
                                 "--quiet"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  auto strip = [](std::string text) {
    nlohmann::json j = nlohmann::json::parse(text);
    j.erase("wall_time_s");
    return j.dump();
  };
  EXPECT_EQ(strip(read_file(dir / "a" / "result.json")), strip(read_file(dir / "b" / "result.json")));
  EXPECT_EQ(read_file(dir / "a" / "timeline.json"), read_file(dir / "b" / "timeline.json"));
}

}  // namespace
}  // namespace lcperf::cli

namespace lcperf::cli {
namespace {

const std::string kSparse = LCPERF_SOURCE_DIR "/scenarios/flashllm/opt-66b-a100-tp2-sparse80.json";

TEST(ReplaySparseWeights, CompressedWeightsLeaveRoomForMoreKvAndServeMore) {
  // OPT-66B on two A100-80GB: dense fp16 weights take 66 GB of each GPU, leaving little
  // KV cache, so requests queue; at 80% sparsity the Tiled-CSL weights take about a
  // third of that and the same trace is served with far more concurrency.
  const testing::ScratchDir dir;
  const auto sparse = testing::run_lcperf({"replay", kSparse, "--out", (dir / "sparse").string(), "--quiet"});
  ASSERT_EQ(sparse.exit_code, 0) << sparse.err;
  const auto dense = testing::run_lcperf({"replay", kSparse, "--set",
                                          "serving.weight_sparsity={\"qkv\":0,\"out\":0,\"mlp_up\":0,\"mlp_down\":0}",
                                          "--out", (dir / "dense").string(), "--quiet"});
  ASSERT_EQ(dense.exit_code, 0) << dense.err;
  const auto s = nlohmann::json::parse(testing::read_file(dir / "sparse" / "result.json"));
  const auto d = nlohmann::json::parse(testing::read_file(dir / "dense" / "result.json"));
  EXPECT_EQ(s["completed"], 200);
  EXPECT_EQ(d["completed"], 200);
  EXPECT_GT(s["peak_kv_bytes"].get<double>(), 2 * d["peak_kv_bytes"].get<double>());
  EXPECT_GT(s["throughput_tokens_per_s"].get<double>(), d["throughput_tokens_per_s"].get<double>());
  EXPECT_LT(s["ttft_s"]["p50"].get<double>(), d["ttft_s"]["p50"].get<double>());
}

TEST(ReplaySparseWeights, SparsityOutOfRangeIsBadInput) {
  const testing::ScratchDir dir;
  const auto run = testing::run_lcperf({"replay", kSparse, "--set", "serving.weight_sparsity={\"qkv\":1.5}", "--out",
                                        (dir / "x").string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("weight_sparsity"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace lcperf::cli
