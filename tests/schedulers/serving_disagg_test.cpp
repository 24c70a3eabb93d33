// Disaggregated prefill and decode on the simulator: the pools' engines with their
// PoolLinks and the prefill instances' KV agents, wired as runs/serving_disagg.cpp wires
// them. Kernel time is FLOPs / 1e12 and the links are round numbers, so a lone request
// has a closed form: TTFT = prefill step + the protocol's three control messages + the
// KV's flow (latency + bytes / bandwidth of the route), then one decode step per further
// token at the decode instance's step price.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <vector>

#include "../sim/sim_test_support.hpp"
#include "core/serving_ops.hpp"
#include "schedulers/serving/disaggregation.hpp"
#include "schedulers/serving/engine.hpp"
#include "sim/simulator.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::serving {
namespace {

constexpr auto kKv = static_cast<std::size_t>(core::MemoryTag::kv_cache);

struct Pools {
  int prefill = 1;
  int decode = 1;
  core::KvTransferMode transfer = core::KvTransferMode::whole;
  core::DecodePolicy policy = core::DecodePolicy::least_kv;
  std::int64_t decode_budget_blocks = 4096;
  bool prefix_cache = false;  // on the prefill pool (the decode pool never caches)
};

EngineConfig config(std::int64_t budget_blocks, const core::ModelSpec& model) {
  EngineConfig c;
  c.block_size_tokens = 16;
  core::ParallelConfig one;
  c.kv_budget_bytes = budget_blocks * c.block_size_tokens * core::kv_bytes_per_token_per_layer(model, one) * model.layers;
  c.watermark = 0;
  c.max_num_batched_tokens = 4096;
  c.prefill_chunk_tokens = 4096;
  return c;
}

struct DisaggRun {
  core::RunRecords records;
  std::vector<std::shared_ptr<EngineRecords>> prefill;
  std::vector<std::vector<std::size_t>> prefill_slots;
  std::vector<std::shared_ptr<EngineRecords>> decode;
  std::vector<std::shared_ptr<DisaggRecords>> transfers;
  std::shared_ptr<DisaggLayout> layout;
};

// Ranks: prefill instances (one GPU each), decode instances, then one agent per prefill
// instance on its GPU. Requests are dealt to the prefill instances round robin.
DisaggRun simulate_pools(const core::ClusterSpec& cluster, const Pools& pools, const std::vector<ServingRequest>& requests) {
  const core::ModelSpec model = test::llama3_8b();
  DisaggRun run;
  auto layout = std::make_shared<DisaggLayout>();
  layout->requests = requests;
  layout->transfer = pools.transfer;
  layout->layers = model.layers;
  layout->kv_bytes_per_token = core::kv_bytes_per_token_per_layer(model, core::ParallelConfig{}) * model.layers;
  layout->flow_bytes_per_token = layout->kv_bytes_per_token;
  layout->block_size_tokens = 16;
  layout->board = std::make_shared<DecodeBoard>(
      std::vector<std::int64_t>(static_cast<std::size_t>(pools.decode), pools.decode_budget_blocks), pools.policy);
  const int gpus = pools.prefill + pools.decode;
  for (int i = 0; i < pools.prefill; ++i) {
    layout->prefill_rank.push_back(i);
    layout->agent_rank.push_back(gpus + i);
  }
  for (int i = 0; i < pools.decode; ++i) layout->decode_rank.push_back(pools.prefill + i);
  run.layout = layout;

  std::vector<core::RankProgram> programs(static_cast<std::size_t>(gpus + pools.prefill));
  std::vector<int> gpu_of_rank(programs.size());
  std::iota(gpu_of_rank.begin(), gpu_of_rank.begin() + gpus, 0);
  for (int i = 0; i < pools.prefill; ++i) {
    EnginePlan plan;
    plan.model = model;
    plan.config = config(4096, model);
    plan.config.record_token_times = true;
    plan.config.record_steps = true;
    plan.config.prefix_cache = pools.prefix_cache;
    plan.instance = i;
    plan.first_rank = i;
    std::vector<std::size_t> slots;
    for (std::size_t g = 0; g < requests.size(); ++g) {
      if (static_cast<int>(g) % pools.prefill != i) continue;
      plan.requests.push_back(requests[g]);
      slots.push_back(g);
    }
    plan.pool_link = std::make_shared<PoolLink>(layout, PoolLink::Role::prefill, i, slots, nullptr);
    run.prefill_slots.push_back(slots);
    run.prefill.push_back(std::make_shared<EngineRecords>());
    programs[static_cast<std::size_t>(i)] = make_engine_program(plan, run.prefill.back());
    programs[static_cast<std::size_t>(gpus + i)] = make_kv_agent_program(layout, i);
    gpu_of_rank[static_cast<std::size_t>(gpus + i)] = i;
  }
  for (int i = 0; i < pools.decode; ++i) {
    EnginePlan plan;
    plan.model = model;
    plan.config = config(pools.decode_budget_blocks, model);
    plan.config.record_token_times = true;
    plan.instance = pools.prefill + i;
    plan.first_rank = pools.prefill + i;
    plan.requests = requests;
    run.transfers.push_back(std::make_shared<DisaggRecords>());
    plan.pool_link = std::make_shared<PoolLink>(layout, PoolLink::Role::decode, i, std::vector<std::size_t>{},
                                                run.transfers.back());
    run.decode.push_back(std::make_shared<EngineRecords>());
    programs[static_cast<std::size_t>(pools.prefill + i)] = make_engine_program(plan, run.decode.back());
  }
  sim::SimulationInput in;
  in.cluster = cluster;
  in.ranks = static_cast<int>(programs.size());
  in.gpu_of_rank = gpu_of_rank;
  in.program_for = [programs](int r) { return programs[static_cast<std::size_t>(r)]; };
  in.kernel_price = sim::priced_by(sim::testing::flops_over_tera);
  run.records = sim::simulate(in);
  return run;
}

double step_time_s(const std::vector<core::ServingSeq>& seqs) {
  const core::ModelSpec model = test::llama3_8b();
  core::KernelOp op;
  op.parts = core::serving_step_parts(model, core::ParallelConfig{}, seqs, model.layers, true, true);
  return sim::testing::flops_over_tera(op);
}

// A control message's payload: "<slot> <instance>" with one-digit numbers.
constexpr double kMessageBytes = 3;

struct Route {
  double latency_s = 0;
  double bandwidth = 0;
  double time_s(double bytes) const { return latency_s + bytes / bandwidth; }
};
// sim/platform_builder.hpp: NVLink up and down inside a node; NIC, node uplink, uplink,
// NIC across nodes (round_cluster: NVLink 1 us 400 GB/s, NIC 3 us 50 GB/s, switch 1 us).
constexpr Route kNvlink{2e-6, 400e9};
constexpr Route kAcrossNodes{2 * 3e-6 + 2 * 1e-6, 50e9};

void expect_lone_request_closed_form(const core::ClusterSpec& cluster, const Route& route) {
  constexpr std::int64_t kPrompt = 1000;
  constexpr std::int64_t kOutput = 4;
  const DisaggRun run = simulate_pools(cluster, Pools{}, {{0, 0.25, kPrompt, kOutput}});
  const double prefill = step_time_s({{kPrompt, 0, false, true, kPrompt}});
  const double kv_bytes = static_cast<double>(kPrompt * run.layout->kv_bytes_per_token);
  // Offer (prefill -> decode), pull (decode -> agent), the KV (agent -> decode), arrival
  // notice (agent -> decode): each a flow on the route, one after the other.
  const double ttft = prefill + 3 * route.time_s(kMessageBytes) + route.time_s(kv_bytes);
  double decodes = 0;
  for (std::int64_t k = 0; k + 1 < kOutput; ++k) decodes += step_time_s({{1, kPrompt + k, true, false, kPrompt}});

  const RequestMetrics& m = run.decode[0]->requests[0];
  EXPECT_NEAR(m.first_token_s - m.arrival_s, ttft, 1e-9);
  EXPECT_NEAR(m.finish_s - m.first_token_s, decodes, 1e-9);
  EXPECT_EQ(run.decode[0]->token_times_s[0].size(), static_cast<std::size_t>(kOutput));
  // The prefill sampled the first token when its step ended.
  EXPECT_NEAR(run.prefill[0]->requests[0].first_token_s - 0.25, prefill, 1e-9);
  ASSERT_EQ(run.transfers[0]->transfers.size(), 1u);
  const KvTransferRecord& t = run.transfers[0]->transfers[0];
  EXPECT_EQ(t.bytes, kPrompt * 131072) << "Llama-3-8B: 32 layers x 8 KV heads x 128 x K and V x 2 bytes per token";
  EXPECT_NEAR(t.arrived_s - t.reserved_s, 2 * route.time_s(kMessageBytes) + route.time_s(kv_bytes), 1e-9);
}

TEST(ServingDisagg, LoneRequestTtftIsPrefillPlusTransferOverNvlinkThenDecodeSteps) {
  expect_lone_request_closed_form(sim::testing::round_cluster(1, 2), kNvlink);
}

TEST(ServingDisagg, LoneRequestTtftIsPrefillPlusTransferOverTheNicsAcrossNodes) {
  expect_lone_request_closed_form(sim::testing::round_cluster(2, 1), kAcrossNodes);
}

TEST(ServingDisagg, LayerwiseTransferLeavesOnlyTheLastLayerAfterThePrefill) {
  constexpr std::int64_t kPrompt = 1000;
  Pools pools;
  pools.transfer = core::KvTransferMode::layerwise;
  const Route route = kAcrossNodes;
  const DisaggRun run = simulate_pools(sim::testing::round_cluster(2, 1), pools, {{0, 0.0, kPrompt, 2}});
  const double prefill = step_time_s({{kPrompt, 0, false, true, kPrompt}});
  const std::int64_t bytes = kPrompt * run.layout->kv_bytes_per_token;
  const std::int64_t last_layer = bytes / 32;
  // The first 31 layers' share is on its way during the step (offer, pull, flow).
  const double early = 2 * route.time_s(kMessageBytes) + route.time_s(static_cast<double>(bytes - last_layer));
  ASSERT_LT(early, prefill);
  // After the step: the prefill engine tells its agent (same GPU: the loopback, ~1e-9 s),
  // the last layer's share flows, then the arrival notice.
  const double ttft = prefill + route.time_s(static_cast<double>(last_layer)) + route.time_s(kMessageBytes);
  const RequestMetrics& m = run.decode[0]->requests[0];
  EXPECT_NEAR(m.first_token_s - m.arrival_s, ttft, 1e-8);
  EXPECT_LT(route.time_s(static_cast<double>(last_layer)), route.time_s(static_cast<double>(bytes)) / 20);
}

// 24 requests of mixed sizes on 2 prefill + 2 decode GPUs: every token is generated,
// every block allocated is freed on both pools, the KV sent is the prompts' KV, memory
// goes back to zero and each decode pool stayed within its budget.
// Returns the longest an offer waited for decode blocks.
double expect_conservation(core::DecodePolicy policy, std::int64_t decode_budget_blocks) {
  std::vector<ServingRequest> requests;
  for (int i = 0; i < 24; ++i) requests.push_back({i, 0.001 * i, 200 + 37 * i, 1 + (i * 7) % 13});
  Pools pools;
  pools.prefill = 2;
  pools.decode = 2;
  pools.policy = policy;
  pools.decode_budget_blocks = decode_budget_blocks;
  const DisaggRun run = simulate_pools(sim::testing::round_cluster(1, 4), pools, requests);

  std::int64_t tokens_out = 0;
  std::int64_t bytes = 0;
  std::int64_t expected_bytes = 0;
  std::vector<int> decoded_by(2, 0);
  for (std::size_t g = 0; g < requests.size(); ++g) {
    const ServingRequest& r = requests[g];
    if (r.output_tokens == 1) {
      const std::size_t instance = g % 2;
      EXPECT_GE(run.prefill[instance]->requests[g / 2].finish_s, 0) << "a one-token request ends at its prefill";
      tokens_out += 1;
      continue;
    }
    expected_bytes += r.prompt_tokens * run.layout->kv_bytes_per_token;
    int holders = 0;
    for (std::size_t d = 0; d < 2; ++d) {
      const std::size_t got = run.decode[d]->token_times_s[g].size();
      if (got == 0) continue;
      holders += 1;
      decoded_by[d] += 1;
      tokens_out += static_cast<std::int64_t>(got);
      EXPECT_GT(run.decode[d]->requests[g].finish_s, 0);
    }
    EXPECT_EQ(holders, 1) << "request " << r.id << " decoded on exactly one instance";
  }
  double max_wait = 0;
  for (const auto& t : run.transfers) {
    for (const KvTransferRecord& x : t->transfers) {
      bytes += x.bytes;
      max_wait = std::max(max_wait, x.reserved_s - x.offered_s);
    }
  }
  std::int64_t requested = 0;
  for (const ServingRequest& r : requests) requested += r.output_tokens;
  EXPECT_EQ(tokens_out, requested);
  EXPECT_EQ(bytes, expected_bytes);
  EXPECT_GT(decoded_by[0], 0);
  EXPECT_GT(decoded_by[1], 0);
  for (const auto& pool : {run.prefill, run.decode}) {
    for (const auto& e : pool) {
      EXPECT_GT(e->counters.blocks_allocated, 0);
      EXPECT_EQ(e->counters.blocks_allocated, e->counters.blocks_freed);
    }
  }
  const std::int64_t block_bytes = 16 * run.layout->kv_bytes_per_token;
  for (int rank = 2; rank < 4; ++rank) {
    EXPECT_LE(run.records.peak_bytes_per_rank_tag[static_cast<std::size_t>(rank)][kKv], decode_budget_blocks * block_bytes);
  }
  return max_wait;
}

TEST(ServingDisagg, ConservationUnderLeastKvPolicy) {
  EXPECT_EQ(expect_conservation(core::DecodePolicy::least_kv, 4096), 0.0) << "room for everything: no offer waits";
}

TEST(ServingDisagg, ConservationUnderRoundRobinWithDecodePoolsThatMakeOffersWait) {
  // 70 blocks (1120 tokens) per decode instance: the longest request (1056 tokens of KV
  // at its peak) holds nearly all of it, so offers queue until blocks are freed.
  EXPECT_GT(expect_conservation(core::DecodePolicy::round_robin, 70), 0.0);
}

TEST(ServingDisagg, RoundRobinAlternatesAndLeastKvPicksTheEmptierPool) {
  DecodeBoard rr({100, 100}, core::DecodePolicy::round_robin);
  EXPECT_EQ(rr.choose(10), 0);
  EXPECT_EQ(rr.choose(10), 1);
  EXPECT_EQ(rr.choose(10), 0);
  DecodeBoard least({100, 200}, core::DecodePolicy::least_kv);
  least.report(0, 10);  // 10 % used
  least.report(1, 30);  // 15 % used
  EXPECT_EQ(least.choose(20), 0);  // now 30 % promised + used
  EXPECT_EQ(least.choose(5), 1);   // 15 % < 30 %
  least.reserved(0, 20, 30);
  least.report(1, 200);
  EXPECT_EQ(least.choose(1), 0);
}

// Prefix caching on the prefill pool: 64-token prefix blocks (4 KV blocks of 16 tokens).
ServingRequest with_prefix(std::int64_t id, double arrival, std::int64_t prompt, std::int64_t output,
                           std::vector<std::uint64_t> hashes) {
  ServingRequest r{id, arrival, prompt, output};
  r.prefix_hashes = std::move(hashes);
  r.prefix_block_tokens = 64;
  return r;
}

// One request at a time (arrivals 100 s apart; the longest prefill takes 5 s at
// 1 TFLOP/s), so the cache's content at each admission is known by hand.
const std::vector<ServingRequest> kPrefixTrace = {
    with_prefix(0, 0.0, 300, 3, {1, 2, 3, 4, 5}),  // cold; writes 1-4 (5 is partial)
    with_prefix(1, 100.0, 200, 2, {1, 2, 9, 10}),  // hits 1, 2, misses 9 and writes it
    with_prefix(2, 200.0, 256, 4, {1, 2, 3, 4}),   // hits 1-3: its last block is never looked up
    with_prefix(3, 300.0, 128, 1, {7, 8}),         // one token: done at the prefill, nothing sent
};
const std::vector<std::int64_t> kCachedTokens = {0, 128, 192, 0};

TEST(ServingDisaggPrefix, HandTraceHitsOnThePrefillPoolAndTheWholePromptsKvIsSent) {
  Pools pools;
  pools.prefix_cache = true;
  const DisaggRun run = simulate_pools(sim::testing::round_cluster(2, 1), pools, kPrefixTrace);
  const EngineRecords& prefill = *run.prefill[0];
  const PrefixCacheStats& p = prefill.counters.prefix;
  EXPECT_EQ(p.admissions, 4);
  EXPECT_EQ(p.prompt_blocks, 5 + 4 + 4 + 2);
  EXPECT_EQ(p.hit_blocks, 0 + 2 + 3 + 0);
  EXPECT_EQ(p.hit_tokens, 128 + 192);
  // Written: 1-4 (r0), 9 (r1), a private copy of 4 (r2: 4 is indexed already, but r2 never
  // looks its last block up), 7 and 8 (r3). Nothing evicted: room for everything.
  EXPECT_EQ(p.entries_created, 8);
  EXPECT_EQ(p.evictions, 0);
  // After every KV has left, the cache keeps 1-4, 9, 7, 8 (r2's private copy went with
  // it): 7 entries of 4 blocks, freed only by the end-of-run flush.
  EXPECT_EQ(p.flushed, 7);
  EXPECT_EQ(p.flushed_blocks, 28);

  // The prefill computes prompt - cached tokens, one request per step.
  ASSERT_EQ(prefill.steps.size(), kPrefixTrace.size());
  for (std::size_t i = 0; i < kPrefixTrace.size(); ++i) {
    EXPECT_EQ(prefill.steps[i].tokens, kPrefixTrace[i].prompt_tokens - kCachedTokens[i]) << "request " << i;
    EXPECT_EQ(prefill.requests[i].cached_tokens, kCachedTokens[i]) << "request " << i;
  }

  // Blocks on the prefill pool: each request's own blocks (the tokens beyond its whole
  // prefix blocks) and 4 per entry written: r0 3 + 16, r1 1 + 4, r2 0 + 4, r3 0 + 8.
  EXPECT_EQ(prefill.counters.blocks_allocated, 36);
  EXPECT_EQ(prefill.counters.blocks_freed, 36);
  EXPECT_EQ(prefill.counters.blocks_freed - p.flushed_blocks, 36 - 28) << "freed while the requests ran";
  // The decode pool has no cache: each decoded request holds ceil((prompt + output - 1) / 16)
  // blocks at its peak (302, 201 and 259 tokens).
  const EngineRecords& decode = *run.decode[0];
  EXPECT_EQ(decode.counters.prefix.admissions, 0);
  EXPECT_EQ(decode.counters.blocks_allocated, 19 + 13 + 17);
  EXPECT_EQ(decode.counters.blocks_freed, decode.counters.blocks_allocated);

  // Every decoded request's whole prompt moves, cached part included.
  ASSERT_EQ(run.transfers[0]->transfers.size(), 3u);
  for (const KvTransferRecord& t : run.transfers[0]->transfers) {
    EXPECT_EQ(t.bytes, kPrefixTrace[static_cast<std::size_t>(t.id)].prompt_tokens * run.layout->kv_bytes_per_token);
  }
  // Tokens out = requested: the decode instance's for r0-r2, the prefill's one for r3.
  std::int64_t out = prefill.requests[3].finish_s >= 0 ? 1 : 0;
  for (std::size_t g = 0; g < 3; ++g) out += static_cast<std::int64_t>(decode.token_times_s[g].size());
  EXPECT_EQ(out, 3 + 2 + 4 + 1);
}

TEST(ServingDisaggPrefix, WarmCacheTtftIsTheUncachedSuffixsPrefillPlusTheWholePromptsTransfer) {
  Pools pools;
  pools.prefix_cache = true;
  const Route route = kAcrossNodes;
  const DisaggRun run = simulate_pools(sim::testing::round_cluster(2, 1), pools, kPrefixTrace);
  for (std::size_t g = 0; g < 3; ++g) {
    const ServingRequest& r = kPrefixTrace[g];
    const std::int64_t cached = kCachedTokens[g];
    // The suffix attends to the cached prefix; the KV sent is the whole prompt's.
    const double prefill = step_time_s({{r.prompt_tokens - cached, cached, false, true, r.prompt_tokens}});
    const double kv_bytes = static_cast<double>(r.prompt_tokens * run.layout->kv_bytes_per_token);
    const double ttft = prefill + 3 * route.time_s(kMessageBytes) + route.time_s(kv_bytes);
    const RequestMetrics& m = run.decode[0]->requests[g];
    EXPECT_NEAR(m.first_token_s - m.arrival_s, ttft, 1e-9) << "request " << g;
  }
  // The warm request r2 prefills 64 of its 256 tokens: far less than cold.
  const double cold = step_time_s({{256, 0, false, true, 256}});
  const double warm = step_time_s({{64, 192, false, true, 256}});
  EXPECT_LT(warm, cold / 3);
}

// Three conversations of growing prompts, 12 requests arriving together on 2 prefill +
// 2 decode GPUs, so prefills, hand-offs and cache hits overlap: tokens out = requested,
// the KV sent is the whole prompts', and blocks allocated = freed on both pools with the
// prefill caches' leftovers reported.
TEST(ServingDisaggPrefix, OverlappingConversationsConserveTokensBlocksAndBytes) {
  Pools pools;
  pools.prefix_cache = true;
  pools.prefill = 2;
  pools.decode = 2;
  std::vector<ServingRequest> requests;
  std::int64_t requested = 0;
  std::int64_t decoded_prompts = 0;
  for (int i = 0; i < 12; ++i) {
    // Instance i % 2 gets request i: conversation i % 3 visits both prefill instances.
    const auto conversation = static_cast<std::uint64_t>(i % 3);
    std::vector<std::uint64_t> hashes;
    for (int b = 0; b <= i / 3 + 1; ++b) hashes.push_back(100 * conversation + static_cast<std::uint64_t>(b));
    const std::int64_t prompt = 64 * static_cast<std::int64_t>(hashes.size()) - 5;
    const std::int64_t output = 1 + i % 4;
    requests.push_back(with_prefix(i, 0.01 * i, prompt, output, hashes));
    requested += output;
    decoded_prompts += output > 1 ? prompt : 0;
  }
  const DisaggRun run = simulate_pools(sim::testing::round_cluster(1, 4), pools, requests);
  std::int64_t hits = 0;
  std::int64_t out = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    const EngineRecords& p = *run.prefill[i];
    hits += p.counters.prefix.hit_blocks;
    EXPECT_EQ(p.counters.blocks_allocated, p.counters.blocks_freed) << "prefill " << i;
    EXPECT_GT(p.counters.prefix.flushed_blocks, 0) << "prefill " << i;
    EXPECT_EQ(p.counters.prefix.flushed_blocks, 4 * p.counters.prefix.flushed) << "prefill " << i;
    for (std::size_t local = 0; local < p.requests.size(); ++local) {
      if (p.requests[local].output == 1) out += 1;
    }
    const EngineRecords& d = *run.decode[i];
    EXPECT_EQ(d.counters.blocks_allocated, d.counters.blocks_freed) << "decode " << i;
    for (const auto& times : d.token_times_s) out += static_cast<std::int64_t>(times.size());
  }
  EXPECT_GT(hits, 0) << "later turns reuse the blocks of earlier ones";
  EXPECT_EQ(out, requested);
  std::int64_t bytes = 0;
  for (const auto& t : run.transfers) {
    for (const KvTransferRecord& x : t->transfers) bytes += x.bytes;
  }
  EXPECT_EQ(bytes, decoded_prompts * run.layout->kv_bytes_per_token);
}

}  // namespace
}  // namespace lcperf::schedulers::serving
