// DistKV-LLM end to end through `lcperf simulate`: a request whose KV cannot fit on its
// home instance completes when the instances lend each other rBlocks and DistAttention
// runs over them, and is rejected when each instance keeps its own KV; the protocol's
// books balance; a decode step's traffic is the closed form, whatever the context.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli {
namespace {

using testing::run_lcperf;
using testing::ScratchDir;

// LLaMA-2-13B on two single-A100 instances: 4 Azure conversation requests plus one
// long-prompt request of 80K-90K tokens; one instance's KV room is 3705 rBlocks of 16
// tokens (59,280 tokens).
const std::string kScenario = LCPERF_SOURCE_DIR "/scenarios/distkv/llama2-13b-a100x2-tp1-distkv-smoke.json";

nlohmann::json simulate(const ScratchDir& dir, const std::string& name, std::vector<std::string> sets) {
  sets.insert(sets.begin(), "workload.max_requests=4");
  const testing::Invocation run = testing::run_scenario("simulate", kScenario, dir / name, sets);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return nlohmann::json::parse(testing::read_file(dir / name / "result.json"));
}

TEST(DistKvServing, ALongRequestCompletesWithDistKvAndIsRejectedUnderLocalOnly) {
  const ScratchDir dir;
  const nlohmann::json dist = simulate(dir, "distkv", {});
  const nlohmann::json local = simulate(dir, "local", {"serving.kv_policy=local"});
  ASSERT_EQ(dist.at("requests"), 5);
  EXPECT_EQ(dist.at("completed"), 5);
  EXPECT_EQ(dist.at("rejected"), 0);
  EXPECT_EQ(local.at("completed"), 4);
  EXPECT_EQ(local.at("rejected"), 1);

  const nlohmann::json& k = dist.at("distkv");
  const std::int64_t local_room_tokens = k.at("device_rblocks_per_instance").get<std::int64_t>() * 16;
  EXPECT_GT(dist.at("max_context_tokens").get<std::int64_t>(), local_room_tokens);
  EXPECT_LE(local.at("max_context_tokens").get<std::int64_t>(), local_room_tokens);
  // What the long request needed beyond its home's room came from the other instance.
  EXPECT_GE(k.at("blocks_borrowed").get<std::int64_t>() * 16,
            dist.at("max_context_tokens").get<std::int64_t>() - local_room_tokens);
  EXPECT_EQ(k.at("blocks_borrowed"), k.at("blocks_lent"));
  EXPECT_LE(k.at("blocks_lent").get<std::int64_t>(), k.at("lend_cap_rblocks").get<std::int64_t>());
  EXPECT_EQ(k.at("protocol_anomalies"), 0);
  EXPECT_EQ(k.at("placement_failures"), 0);
  // Every micro-attention asked for was run by its holder and answered.
  EXPECT_GT(k.at("attention_messages").get<std::int64_t>(), 0);
  EXPECT_EQ(k.at("attention_messages"), k.at("attention_requests_served"));
  EXPECT_EQ(k.at("attention_messages"), k.at("steps_with_remote_attention"));
  // Only queries and partials crossed: far less than the K/V a pull would have moved.
  EXPECT_LT(k.at("query_bytes").get<double>() + k.at("partial_bytes").get<double>(),
            k.at("kv_pull_bytes_avoided").get<double>() / 50);
  EXPECT_FALSE(dist.at("oom").get<bool>());
}

TEST(DistKvServing, DecodeStepTrafficIsTheClosedFormWhateverTheContext) {
  const ScratchDir dir;
  const nlohmann::json dist = simulate(dir, "distkv", {});
  const nlohmann::json& d = dist.at("distkv").at("decode_steps");
  // LLaMA-2-13B: 40 layers, 40 query heads = 40 KV heads, head_dim 128, bf16, TP1. Per
  // layer: the query (40 x 128 x 2 bytes) and the new token's K and V (its block is
  // borrowed: 2 x 40 x 128 x 2) out, the fp32 partial (40 x 128 x 4) and one fp32 LSE
  // per head (40 x 4) back.
  const std::int64_t per_layer = 40 * 128 * 2 + 2 * 40 * 128 * 2 + 40 * 128 * 4 + 40 * 4;
  EXPECT_GT(d.at("count").get<std::int64_t>(), 100);
  EXPECT_EQ(d.at("min_bytes").get<std::int64_t>(), 40 * per_layer);
  EXPECT_EQ(d.at("max_bytes").get<std::int64_t>(), 40 * per_layer);
  EXPECT_GT(d.at("max_context_tokens").get<std::int64_t>() - d.at("min_context_tokens").get<std::int64_t>(), 100);
}

TEST(DistKvServing, SameSeedSameResult) {
  const ScratchDir dir;
  nlohmann::json a = simulate(dir, "a", {});
  nlohmann::json b = simulate(dir, "b", {});
  a.erase("wall_time_s");
  b.erase("wall_time_s");
  EXPECT_EQ(a, b);
}

TEST(DistKvServing, ImpossibleLayoutsAreBadInput) {
  const ScratchDir dir;
  for (const std::string& set : {std::string("serving.instances=1"), std::string("serving.preemption=swap")}) {
    const testing::Invocation run = run_lcperf({"simulate", kScenario, "--set", set, "--out", (dir / "x").string()});
    EXPECT_EQ(run.exit_code, 2) << set << "\n" << run.err;
    EXPECT_NE(run.err.find("distkv"), std::string::npos) << run.err;
  }
  const testing::Invocation bad_key =
      run_lcperf({"simulate", kScenario, "--set", "serving.distkv.lend_cap=0.5", "--out", (dir / "x").string()});
  EXPECT_EQ(bad_key.exit_code, 2);
  EXPECT_NE(bad_key.err.find("lend_cap"), std::string::npos) << bad_key.err;
}

}  // namespace
}  // namespace lcperf::cli
