// Prefix caching and FP8 serving through `lcperf replay`/`simulate`: the Mooncake
// conversation trace's hit rate against the trace's own shared-prefix statistics
// (computed here from hash_ids), colocated and on the prefill pool of a disaggregated
// run, determinism, FP8 against BF16, and bad options.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli {
namespace {

using testing::read_file;
using testing::run_lcperf;
using testing::ScratchDir;

const std::string kServing = LCPERF_SOURCE_DIR "/scenarios/serving/";
const std::string kCached = kServing + "qwen2.5-7b-h200-mooncake-conv-prefix-cache.json";
const std::string kDisaggCached = kServing + "llama3-70b-h100-disagg-mooncake-prefix-cache.json";
const std::string kTrace = LCPERF_SOURCE_DIR "/traces/data/serving/mooncake-conversation.jsonl";

struct Expectation {
  std::int64_t prompt_blocks = 0;
  std::int64_t hit_blocks = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t hit_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t decoded_prompt_tokens = 0;  // prompts of requests with more than one output token
};

// The trace's shared-prefix statistics for its first n requests in arrival order, with
// a cache that keeps everything: a request reuses the leading hashes any earlier request
// held as whole 512-token blocks, never its own last block (the one the prefill must
// compute to sample a token).
Expectation mooncake_expectation(std::size_t n) {
  struct Row {
    double ts;
    std::size_t line;
    std::int64_t input;
    std::int64_t output;
    std::vector<std::uint64_t> hashes;
  };
  std::vector<Row> rows;
  std::ifstream in(kTrace);
  std::string line;
  for (std::size_t i = 0; std::getline(in, line); ++i) {
    const auto j = nlohmann::json::parse(line);
    rows.push_back({j["timestamp"].get<double>(), i, j["input_length"].get<std::int64_t>(),
                    j["output_length"].get<std::int64_t>(), j["hash_ids"].get<std::vector<std::uint64_t>>()});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ts < b.ts; });
  rows.resize(std::min(n, rows.size()));
  std::unordered_set<std::uint64_t> seen;
  Expectation e;
  for (const Row& r : rows) {
    const std::size_t usable = static_cast<std::size_t>((r.input - 1) / 512);
    std::size_t hits = 0;
    while (hits < usable && hits < r.hashes.size() && seen.count(r.hashes[hits]) != 0) ++hits;
    e.prompt_blocks += static_cast<std::int64_t>(r.hashes.size());
    e.hit_blocks += static_cast<std::int64_t>(hits);
    e.prompt_tokens += r.input;
    e.hit_tokens += static_cast<std::int64_t>(hits) * 512;
    e.output_tokens += r.output;
    e.decoded_prompt_tokens += r.output > 1 ? r.input : 0;
    const std::size_t whole = std::min(r.hashes.size(), static_cast<std::size_t>(r.input / 512));
    seen.insert(r.hashes.begin(), r.hashes.begin() + static_cast<std::ptrdiff_t>(whole));
  }
  return e;
}

// `lcperf replay` for trace scenarios, `simulate` for the fixed loads.
nlohmann::json replay(const ScratchDir& dir, const std::string& name, std::vector<std::string> sets,
                      const std::string& scenario = kCached) {
  const bool fixed = scenario.find("fixed") != std::string::npos;
  const auto run = testing::run_scenario(fixed ? "simulate" : "replay", scenario, dir / name, sets);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return nlohmann::json::parse(read_file(dir / name / "result.json"));
}

// result.json as text, less the one figure two runs of a scenario may differ in.
std::string without_wall_time(nlohmann::json j) {
  j.erase("wall_time_s");
  return j.dump();
}

TEST(PrefixCacheReplay, MooncakeHitRateEqualsTheTracesSharedPrefixesWhenTheCacheHoldsEverything) {
  const ScratchDir dir;
  // One instance running one request at a time, with room for every block: each request
  // meets every block of the requests before it, computed and cached.
  const auto r = replay(dir, "one", {"workload.max_requests=120", "serving.instances=1", "serving.routing=round_robin",
                                     "serving.max_num_seqs=1"});
  const Expectation e = mooncake_expectation(120);
  ASSERT_EQ(r["completed"], 120);
  const auto& p = r["prefix_cache"];
  EXPECT_EQ(p["evictions"], 0);
  EXPECT_EQ(p["prompt_blocks"].get<std::int64_t>(), e.prompt_blocks);
  EXPECT_EQ(p["hit_blocks"].get<std::int64_t>(), e.hit_blocks);
  EXPECT_EQ(p["prompt_tokens"].get<std::int64_t>(), e.prompt_tokens);
  EXPECT_EQ(p["hit_tokens"].get<std::int64_t>(), e.hit_tokens);
  EXPECT_EQ(p["prefill_tokens_saved"].get<std::int64_t>(), e.hit_tokens);
  EXPECT_DOUBLE_EQ(p["block_hit_rate"].get<double>(),
                   static_cast<double>(e.hit_blocks) / static_cast<double>(e.prompt_blocks));
  EXPECT_GT(e.hit_blocks, 0);
  EXPECT_DOUBLE_EQ(p["cached_tokens_per_request"]["mean"].get<double>(), static_cast<double>(e.hit_tokens) / 120.0);

  // Concurrent requests cannot reuse blocks still being computed: at most the trace's.
  const auto c = replay(dir, "many", {"workload.max_requests=120", "serving.instances=1",
                                      "serving.routing=round_robin"});
  EXPECT_LE(c["prefix_cache"]["hit_blocks"].get<std::int64_t>(), e.hit_blocks);
  EXPECT_GT(c["prefix_cache"]["hit_blocks"].get<std::int64_t>(), 0);
}

TEST(PrefixCacheReplay, ShippedPairCachingCutsTtftAndIsDeterministic) {
  const ScratchDir dir;
  const auto with = replay(dir, "with", {});
  const auto again = replay(dir, "again", {});
  const auto without = replay(dir, "without", {}, kServing + "qwen2.5-7b-h200-mooncake-conv.json");
  EXPECT_FALSE(without.contains("prefix_cache"));
  // The first 600 requests share 17.1 % of their prompt tokens (from hash_ids).
  EXPECT_GT(with["prefix_cache"]["token_hit_rate"].get<double>(), 0.1);
  EXPECT_LT(with["ttft_s"]["mean"].get<double>(), without["ttft_s"]["mean"].get<double>());
  EXPECT_EQ(with["completed"], without["completed"]);
  EXPECT_EQ(without_wall_time(with), without_wall_time(again));
}

// Disaggregated: the prefill pool caches, and the KV of every decoded prompt moves whole
// (Llama-3-70B: 327,680 bytes per token), cached blocks included.
TEST(PrefixCacheDisagg, MooncakeHitsOnThePrefillPoolEqualTheTracesSharedPrefixesAndWholePromptsMove) {
  const ScratchDir dir;
  constexpr int kRequests = 40;
  // One prefill instance prefilling one request at a time, with room for every block.
  const auto r = replay(dir, "one", {"workload.max_requests=" + std::to_string(kRequests), "serving.max_num_seqs=1"},
                        kDisaggCached);
  const Expectation e = mooncake_expectation(kRequests);
  ASSERT_EQ(r["completed"], kRequests);
  const auto& p = r["prefix_cache"];
  EXPECT_EQ(p["evictions"], 0);
  EXPECT_EQ(p["admissions"], kRequests) << "the decode instance has no cache";
  EXPECT_EQ(p["prompt_blocks"].get<std::int64_t>(), e.prompt_blocks);
  EXPECT_EQ(p["hit_blocks"].get<std::int64_t>(), e.hit_blocks);
  EXPECT_EQ(p["prompt_tokens"].get<std::int64_t>(), e.prompt_tokens);
  EXPECT_EQ(p["hit_tokens"].get<std::int64_t>(), e.hit_tokens);
  EXPECT_GT(e.hit_blocks, 0);
  EXPECT_DOUBLE_EQ(p["cached_tokens_per_request"]["mean"].get<double>(),
                   static_cast<double>(e.hit_tokens) / kRequests);
  const auto& d = r["disaggregation"];
  EXPECT_EQ(d["kv_transfer"]["bytes"].get<std::int64_t>(), e.decoded_prompt_tokens * 327680);
  EXPECT_NEAR(r["output_tokens_per_s"].get<double>() * r["duration_s"].get<double>(),
              static_cast<double>(e.output_tokens), 1e-6 * static_cast<double>(e.output_tokens));
  for (const char* pool : {"prefill", "decode"}) {
    EXPECT_GT(d[pool]["kv_blocks_allocated"].get<std::int64_t>(), 0) << pool;
    EXPECT_EQ(d[pool]["kv_blocks_allocated"], d[pool]["kv_blocks_freed"]) << pool;
  }
  // What the prefill cache still holds at the end is reported: its entries, 32 KV blocks
  // (512 / 16 tokens) each.
  EXPECT_GT(d["prefill"]["kv_blocks_cached_at_end"].get<std::int64_t>(), 0);
  EXPECT_EQ(d["prefill"]["kv_blocks_cached_at_end"].get<std::int64_t>(), 32 * p["entries_at_end"].get<std::int64_t>());
  EXPECT_EQ(d["decode"]["kv_blocks_cached_at_end"], 0);
}

TEST(PrefixCacheDisagg, ShippedScenarioIsDeterministicAndCachingCutsTtftNotTheKvSent) {
  const ScratchDir dir;
  const std::vector<std::string> head = {"workload.max_requests=40"};
  const auto with = replay(dir, "with", head, kDisaggCached);
  const auto again = replay(dir, "again", head, kDisaggCached);
  const auto without = replay(dir, "without", head, kServing + "llama3-70b-h100-disagg-mooncake.json");
  EXPECT_FALSE(without.contains("prefix_cache"));
  EXPECT_GT(with["prefix_cache"]["hit_tokens"].get<std::int64_t>(), 0);
  EXPECT_LT(with["ttft_s"]["mean"].get<double>(), without["ttft_s"]["mean"].get<double>());
  EXPECT_EQ(with["disaggregation"]["kv_transfer"]["bytes"], without["disaggregation"]["kv_transfer"]["bytes"]);
  EXPECT_EQ(with["completed"], without["completed"]);
  EXPECT_EQ(without_wall_time(with), without_wall_time(again));
}

TEST(PrefixCacheDisagg, PrefixAwareRoutingKeepsConversationsOnOnePrefillInstance) {
  // 3 prefill instances and 1 decode instance on 4 nodes: dealt round robin, a
  // conversation's turns land on different prefill caches; prefix_aware follows them.
  // (Over the first 100 requests both find the same hits; over 200 they differ.)
  const ScratchDir dir;
  const std::vector<std::string> pools = {"workload.max_requests=200", "cluster.nodes=4",
                                          "serving.disaggregation.prefill.instances=3"};
  auto with_routing = [&](const std::string& routing) {
    std::vector<std::string> sets = pools;
    sets.push_back("serving.routing=" + routing);
    return replay(dir, routing, sets, kDisaggCached)["prefix_cache"]["hit_tokens"].get<std::int64_t>();
  };
  EXPECT_GT(with_routing("prefix_aware"), with_routing("round_robin"));
}

TEST(PrefixCacheReplay, SyntheticSystemPromptIsHitExactlyWhereEarlierPromptsCoveredIt) {
  // Azure carries no hashes: every request opens with the same 1024-token system prompt
  // (capped at its prompt). One instance, one request at a time: request k reuses the
  // 16-token blocks of the prompt that an earlier request held whole, up to its own
  // last block.
  const ScratchDir dir;
  const auto r = replay(dir, "syn",
                        {"workload.max_requests=40", "serving.instances=1", "serving.max_num_seqs=1",
                         R"(serving.prefix_cache={"enabled": true, "synthetic_prefix_tokens": 1024})"},
                        kServing + "qwen2.5-7b-h200-azure-conv.json");
  std::ifstream in(LCPERF_SOURCE_DIR "/traces/data/serving/azure-conv-2023.csv");
  std::string line;
  std::getline(in, line);  // header
  std::int64_t covered = 0;  // shared blocks some earlier request held whole
  std::int64_t expected = 0;
  for (int i = 0; i < 40 && std::getline(in, line); ++i) {
    const std::size_t a = line.find(',');
    const std::int64_t prompt = std::stoll(line.substr(a + 1, line.find(',', a + 1) - a - 1));
    const std::int64_t shared = std::min<std::int64_t>(1024, prompt) / 16;
    expected += 16 * std::min({covered, shared, (prompt - 1) / 16});
    covered = std::max(covered, shared);
  }
  EXPECT_GT(expected, 0);
  EXPECT_EQ(r["prefix_cache"]["hit_tokens"].get<std::int64_t>(), expected);
  EXPECT_EQ(r["prefix_cache"]["evictions"], 0);
}

TEST(Fp8Serving, Fp8OnH100ServesFasterWithHalfTheLayerWeightsAndReportsItsPrecision) {
  const ScratchDir dir;
  const auto fp8 = replay(dir, "fp8", {}, kServing + "llama3-70b-h100-tp8-fp8-fixed.json");
  const auto bf16 = replay(dir, "bf16", {}, kServing + "llama3-70b-h100-tp8-fixed.json");
  EXPECT_EQ(fp8["precision"]["weights"], "fp8");
  EXPECT_EQ(fp8["precision"]["activations"], "fp8");
  EXPECT_EQ(fp8["precision"]["fp8_activations_fell_back"], false);
  EXPECT_FALSE(bf16.contains("precision"));
  EXPECT_GT(fp8["output_tokens_per_s"].get<double>(), bf16["output_tokens_per_s"].get<double>());
  // Layers in one byte, embedding and LM head in two: a bit over half the BF16 bytes.
  const double ratio = fp8["peak_weight_bytes"].get<double>() / bf16["peak_weight_bytes"].get<double>();
  EXPECT_GT(ratio, 0.5);
  EXPECT_LT(ratio, 0.53);
}

TEST(Fp8Serving, A100FallsBackToWeightOnlyUnlessStrict) {
  const ScratchDir dir;
  const std::string fp8 = kServing + "llama3-70b-h100-tp8-fp8-fixed.json";
  const auto strict = run_lcperf({"simulate", fp8, "--set", "cluster.hardware=a100-80gb", "--out",
                                  (dir / "strict").string(), "--quiet"});
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_NE(strict.err.find("$.serving.precision.activations"), std::string::npos) << strict.err;
  const auto r = replay(dir, "loose", {"cluster.hardware=a100-80gb", "serving.precision.strict=false"}, fp8);
  EXPECT_EQ(r["precision"]["activations"], "bf16");
  EXPECT_EQ(r["precision"]["weights"], "fp8");
  EXPECT_EQ(r["precision"]["kv_cache"], "fp8");
  EXPECT_EQ(r["precision"]["fp8_activations_fell_back"], true);
}

TEST(PrefixFp8Options, BadOptionsExitTwoNamingTheJsonPath) {
  const ScratchDir dir;
  const std::string fp8 = kServing + "llama3-70b-h100-tp8-fp8-fixed.json";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{kCached, "serving.prefix_cache.route_imbalance=0.5"}, "$.serving.prefix_cache.route_imbalance"},
      {{kCached, "serving.prefix_cache.synthetic_shared_fraction=1.5"}, "$.serving.prefix_cache.synthetic_shared_fraction"},
      {{kCached, "serving.prefix_cache.size=3"}, "$.serving.prefix_cache"},
      {{kCached, "serving.block_size_tokens=48"}, "$.serving.block_size_tokens"},
      {{kCached, "serving.kv_policy=distkv"}, "$.serving.prefix_cache.enabled"},
      {{fp8, "serving.precision.weights=int4"}, "$.serving.precision.weights"},
      {{fp8, "serving.precision.weights=bf16"}, "$.serving.precision.activations"},
  };
  int i = 0;
  for (const auto& [args, path] : cases) {
    // The FP8 errors come before any simulation; the trace is cut to a few requests.
    const std::string limit = args[0] == kCached ? "workload.max_requests=5" : "seed=1";
    const auto run = run_lcperf({args[0] == kCached ? "replay" : "simulate", args[0], "--set", args[1], "--set", limit, "--out",
                                 (dir / std::to_string(i++)).string(), "--quiet"});
    EXPECT_EQ(run.exit_code, 2) << args[1] << ": " << run.err;
    EXPECT_NE(run.err.find(path), std::string::npos) << args[1] << ": " << run.err;
  }
}

}  // namespace
}  // namespace lcperf::cli
