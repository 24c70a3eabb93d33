// `lcperf replay`: a serving trace through the serving engine on the simulator.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli_test_support.hpp"

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

// The timeline limit changes what the timeline keeps, never the run: every metric is
// the same with all records kept and with only the first 50, and kept + dropped is the
// whole count.
TEST(ReplayCommand, TimelineLimitKeepsTheFirstRecordsAndChangesNoMetric) {
  const ScratchDir dir;
  for (const char* limit : {"0", "50"}) {
    const auto run = run_lcperf({"replay", kScenario, "--set", "workload.max_requests=30", "--set",
                                 std::string("sim.timeline_limit=") + limit, "--out", (dir / limit).string()});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out.find("(raise sim.timeline_limit, 0 = all)") != std::string::npos, std::string(limit) == "50")
        << run.out;
  }
  nlohmann::json all = nlohmann::json::parse(read_file(dir / "0" / "result.json"));
  nlohmann::json first = nlohmann::json::parse(read_file(dir / "50" / "result.json"));
  EXPECT_EQ(all["timeline_records_dropped"], 0);
  EXPECT_EQ(first["timeline_records"], 50);
  const std::uint64_t dropped = first["timeline_records_dropped"].get<std::uint64_t>();
  EXPECT_GT(dropped, 0u);
  const std::uint64_t memory_dropped = first["memory_events_dropped"].get<std::uint64_t>();
  EXPECT_EQ(first["timeline_records"].get<std::uint64_t>() + dropped, all["timeline_records"].get<std::uint64_t>());
  for (nlohmann::json* j : {&all, &first}) {
    for (const char* key : {"wall_time_s", "timeline_records", "timeline_records_dropped", "memory_events_dropped"}) {
      j->erase(key);
    }
  }
  EXPECT_EQ(all.dump(), first.dump());
  const auto trace = nlohmann::json::parse(read_file(dir / "50" / "timeline.json"));
  EXPECT_EQ(trace["otherData"]["timeline_records_dropped"].get<std::uint64_t>(), dropped);
  // Memory events stop with the timeline: every recorded one is in memory.csv, and
  // recorded + dropped is the whole count.
  const auto csv_rows = [&](const char* limit) {
    const std::string text = read_file(dir / limit / "memory.csv");
    return static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n')) - 1;  // header
  };
  EXPECT_GT(memory_dropped, 0u);
  EXPECT_EQ(csv_rows("50") + memory_dropped, csv_rows("0"));
}

TEST(ReplayCommand, TimelineLimitIsRefusedForTrainingAndWhenNegative) {
  const ScratchDir dir;
  const auto negative = run_lcperf({"replay", kScenario, "--set", "sim.timeline_limit=-1", "--out",
                                    (dir / "a").string()});
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_NE(negative.err.find("$.sim.timeline_limit"), std::string::npos) << negative.err;
  const auto training = run_lcperf({"simulate", LCPERF_SOURCE_DIR "/scenarios/live/tiny-256-megatron-pp2-dp1.json",
                                    "--set", "sim.timeline_limit=10", "--out", (dir / "b").string()});
  EXPECT_EQ(training.exit_code, 2);
  EXPECT_NE(training.err.find("the limit is for serving scenarios"), std::string::npos) << training.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "a"));
  EXPECT_FALSE(std::filesystem::exists(dir / "b"));
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
