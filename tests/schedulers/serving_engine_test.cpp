// The serving engine loop on the fake runtime (every op takes op_time_s): token
// accounting, chunked prefill, token budget, KV conservation through the seam,
// preemption in both modes, determinism and TP mirroring.
#include "schedulers/serving/engine.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <variant>

#include "core/errors.hpp"
#include "fake_runtime.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::serving {
namespace {

using core::MemoryTag;

constexpr auto kKv = static_cast<std::size_t>(MemoryTag::kv_cache);

// tiny_model: 4 layers x 512 bytes per token per layer; 16-token blocks.
constexpr std::int64_t kBlockBytes = 16 * 512 * 4;

EnginePlan base_plan() {
  EnginePlan p;
  p.model = test::tiny_model(false);
  p.config.block_size_tokens = 16;
  p.config.kv_budget_bytes = 4096 * kBlockBytes;
  p.config.watermark = 0;
  p.config.max_num_batched_tokens = 2048;
  p.config.prefill_chunk_tokens = 2048;
  return p;
}

struct EngineOutcome {
  EngineRecords records;
  test::RankLog log;
};

EngineOutcome run_engine(const EnginePlan& plan, double op_time_s = 1.0) {
  test::FakeWorld world(1, op_time_s);
  auto records = std::make_shared<EngineRecords>();
  const std::vector<std::string> errors = world.run({make_engine_program(plan, records)});
  EXPECT_TRUE(errors.empty()) << errors.front();
  return {*records, world.log(0)};
}

std::vector<std::string> decisions(const test::RankLog& log, const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& [k, detail] : log.decisions) {
    if (k == kind) out.push_back(detail);
  }
  return out;
}

// A deterministic mixed workload: prompts 100..5000, outputs 1..40, an arrival every 0.7 s.
std::vector<ServingRequest> mixed_requests(int n) {
  std::vector<ServingRequest> rs;
  std::uint64_t x = 12345;
  auto next = [&](std::int64_t lo, std::int64_t hi) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + static_cast<std::int64_t>((x >> 33) % static_cast<std::uint64_t>(hi - lo + 1));
  };
  for (int i = 0; i < n; ++i) rs.push_back({i, 0.7 * i, next(100, 5000), next(1, 40)});
  return rs;
}

void expect_every_request_done(const EngineOutcome& run, const EnginePlan& plan) {
  ASSERT_EQ(run.records.requests.size(), plan.requests.size());
  for (std::size_t i = 0; i < plan.requests.size(); ++i) {
    const RequestMetrics& m = run.records.requests[i];
    const std::vector<double>& times = run.records.token_times_s[i];
    EXPECT_FALSE(m.rejected) << "r" << m.id;
    ASSERT_EQ(static_cast<std::int64_t>(times.size()), plan.requests[i].output_tokens) << "r" << m.id;
    EXPECT_DOUBLE_EQ(m.first_token_s, times.front());
    EXPECT_DOUBLE_EQ(m.finish_s, times.back());
    EXPECT_GE(m.first_scheduled_s, m.arrival_s);
  }
}

void expect_kv_conserved(const EngineOutcome& run) {
  const EngineCounters& c = run.records.counters;
  EXPECT_EQ(c.blocks_allocated, c.blocks_freed);
  EXPECT_GT(c.blocks_allocated, 0);
  EXPECT_EQ(run.log.allocated[kKv], run.log.released[kKv]);
  EXPECT_EQ(run.log.current[kKv], 0);
  EXPECT_EQ(run.log.live_tensors, 0);
  EXPECT_EQ(run.log.tag_peak[kKv], c.peak_kv_bytes);
  EXPECT_EQ(run.log.allocated[kKv], c.blocks_allocated * kBlockBytes);
}

TEST(ServingEngine, SingleRequestTtftIsItsPrefillChunkSteps) {
  EnginePlan plan = base_plan();
  plan.config.max_num_batched_tokens = 8192;  // the chunk size, not the budget, splits the prompt
  plan.requests = {{7, 0.0, 10000, 3}};
  const EngineOutcome run = run_engine(plan, 0.25);
  const RequestMetrics& m = run.records.requests[0];
  EXPECT_DOUBLE_EQ(m.first_scheduled_s, 0.0);
  EXPECT_DOUBLE_EQ(m.first_token_s, 5 * 0.25);  // 5 prefill chunks, nothing else
  EXPECT_DOUBLE_EQ(m.finish_s, 7 * 0.25);       // then 2 decodes
  EXPECT_EQ(run.log.ops.size(), 7u);
  EXPECT_EQ(run.log.ops[0].name, "step 0");
  EXPECT_EQ(run.log.ops[0].category, "serving");
}

TEST(ServingEngine, ChunkedPrefillSplits10kPromptWithChunk2048IntoFiveSteps) {
  EnginePlan plan = base_plan();
  plan.requests = {{0, 0.0, 10000, 1}};
  const EngineOutcome run = run_engine(plan);
  std::vector<std::int64_t> tokens;
  for (const StepRecord& s : run.records.steps) tokens.push_back(s.tokens);
  EXPECT_EQ(tokens, (std::vector<std::int64_t>{2048, 2048, 2048, 2048, 1808}));
  EXPECT_EQ(decisions(run.log, "batch"),
            (std::vector<std::string>{"step 0 tokens 2048 | prefill r0[0+2048/10000]",
                                      "step 1 tokens 2048 | prefill r0[2048+2048/10000]",
                                      "step 2 tokens 2048 | prefill r0[4096+2048/10000]",
                                      "step 3 tokens 2048 | prefill r0[6144+2048/10000]",
                                      "step 4 tokens 1808 | prefill r0[8192+1808/10000]"}));
  // Only the final chunk samples: one LM head GEMM (n = vocab) in the whole run.
  int head_gemms = 0;
  for (const core::KernelOp& op : run.log.ops) {
    for (const core::OpPart& part : op.parts) {
      const auto* g = std::get_if<core::GemmShape>(&part);
      if (g != nullptr && g->n == plan.model.vocab) ++head_gemms;
    }
  }
  EXPECT_EQ(head_gemms, 1);
  EXPECT_EQ(run.records.counters.max_context_tokens, 10000);
}

TEST(ServingEngine, EveryRequestFinishesWithExactlyItsOutputTokens) {
  EnginePlan plan = base_plan();
  plan.config.kv_budget_bytes = 2000 * kBlockBytes;
  plan.config.prefill_chunk_tokens = 512;
  plan.config.max_num_seqs = 8;
  plan.requests = mixed_requests(30);
  const EngineOutcome run = run_engine(plan);
  expect_every_request_done(run, plan);
  expect_kv_conserved(run);
}

TEST(ServingEngine, TokenBudgetAndSequenceLimitHoldEveryStep) {
  EnginePlan plan = base_plan();
  plan.config.max_num_batched_tokens = 700;
  plan.config.prefill_chunk_tokens = 300;
  plan.config.max_num_seqs = 5;
  plan.requests = mixed_requests(30);
  for (ServingRequest& r : plan.requests) r.arrival_s = 0;  // a burst, so steps fill up
  const EngineOutcome run = run_engine(plan);
  bool full = false;
  for (const StepRecord& s : run.records.steps) {
    EXPECT_LE(s.tokens, 700) << "step " << s.index;
    EXPECT_LE(s.decodes + s.prefill_chunks, 5) << "step " << s.index;
    full = full || s.tokens == 700;
  }
  EXPECT_TRUE(full);
  expect_every_request_done(run, plan);
}

TEST(ServingEngine, DecodesGoFirstAndAreNotStalledByALongPrefill) {
  EnginePlan plan = base_plan();
  plan.requests = {{0, 0.0, 100, 10}, {1, 1.5, 5000, 1}};
  const EngineOutcome run = run_engine(plan);
  const std::vector<std::string> batches = decisions(run.log, "batch");
  ASSERT_GE(batches.size(), 3u);
  EXPECT_EQ(batches[2], "step 2 tokens 2048 | decode r0 | prefill r1[0+2047/5000]");
  // r0 samples a token at the end of every step from its prefill on.
  const std::vector<double>& times = run.records.token_times_s[0];
  for (std::size_t i = 0; i < times.size(); ++i) EXPECT_DOUBLE_EQ(times[i], 1.0 + static_cast<double>(i));
}

TEST(ServingEngine, WithoutChunkedPrefillAPromptRunsWholeAndAlone) {
  EnginePlan plan = base_plan();
  plan.config.chunked_prefill = false;
  plan.config.max_num_batched_tokens = 4096;
  plan.requests = {{0, 0.0, 100, 5}, {1, 2.5, 1000, 2}};
  const EngineOutcome run = run_engine(plan);
  EXPECT_EQ(decisions(run.log, "batch"),
            (std::vector<std::string>{"step 0 tokens 100 | prefill r0[0+100/100]", "step 1 tokens 1 | decode r0",
                                      "step 2 tokens 1 | decode r0", "step 3 tokens 1000 | prefill r1[0+1000/1000]",
                                      "step 4 tokens 2 | decode r0 r1", "step 5 tokens 1 | decode r0"}));
  expect_every_request_done(run, plan);
}

// TensorRT-LLM's in-flight batching without chunked context: whole prompts join the
// running decodes in one step while the budget leaves room; the one that does not fit
// (4096 - 1 - 2500 < 2500) waits for the next step instead of being split.
TEST(ServingEngine, PrefillWithDecodesBatchesWholePromptsBesideTheDecodes) {
  EnginePlan plan = base_plan();
  plan.config.chunked_prefill = false;
  plan.config.prefill_with_decodes = true;
  plan.config.max_num_batched_tokens = 4096;
  plan.requests = {{0, 0.0, 100, 5}, {1, 2.5, 2500, 2}, {2, 2.5, 2500, 2}};
  const EngineOutcome run = run_engine(plan);
  EXPECT_EQ(decisions(run.log, "batch"),
            (std::vector<std::string>{"step 0 tokens 100 | prefill r0[0+100/100]", "step 1 tokens 1 | decode r0",
                                      "step 2 tokens 1 | decode r0",
                                      "step 3 tokens 2501 | decode r0 | prefill r1[0+2500/2500]",
                                      "step 4 tokens 2502 | decode r0 r1 | prefill r2[0+2500/2500]",
                                      "step 5 tokens 1 | decode r2"}));
  expect_every_request_done(run, plan);
  expect_kv_conserved(run);
}

TEST(ServingEngine, IdleEngineSleepsUntilTheNextArrival) {
  EnginePlan plan = base_plan();
  plan.requests = {{0, 100.0, 50, 2}};
  const EngineOutcome run = run_engine(plan);
  const RequestMetrics& m = run.records.requests[0];
  EXPECT_DOUBLE_EQ(m.first_scheduled_s, 100.0);
  EXPECT_DOUBLE_EQ(m.first_token_s, 101.0);
  EXPECT_DOUBLE_EQ(m.finish_s, 102.0);
}

// 16 blocks of 16 tokens; six requests of 60 + 60 tokens need up to 8 blocks each, so
// the four admitted first outgrow the cache on their 65th token.
EnginePlan tiny_kv_plan(PreemptionMode mode) {
  EnginePlan plan = base_plan();
  plan.config.kv_budget_bytes = 16 * kBlockBytes;
  plan.config.host_kv_budget_bytes = 64 * kBlockBytes;
  plan.config.preemption = mode;
  for (int i = 0; i < 6; ++i) plan.requests.push_back({i, 0.0, 60, 60});
  return plan;
}

TEST(ServingEngine, RecomputePreemptionUnderATinyKvBudgetCompletesEveryRequest) {
  const EnginePlan plan = tiny_kv_plan(PreemptionMode::recompute);
  const EngineOutcome run = run_engine(plan);
  expect_every_request_done(run, plan);
  expect_kv_conserved(run);
  EXPECT_GT(run.records.counters.preemptions, 0);
  EXPECT_EQ(run.records.counters.swap_out_bytes, 0);
  EXPECT_LE(run.records.counters.peak_kv_bytes, 16 * kBlockBytes);
  const std::vector<std::string> pre = decisions(run.log, "preempt");
  ASSERT_FALSE(pre.empty());
  EXPECT_NE(pre.front().find("recompute"), std::string::npos);
  // A recomputed request prefills its prompt plus what it had generated: a prefill
  // target above the 60-token prompt.
  bool reprefill = false;
  const std::regex target(R"(/(\d+)\])");
  for (const std::string& b : decisions(run.log, "batch")) {
    for (std::sregex_iterator it(b.begin(), b.end(), target), end; it != end; ++it) {
      reprefill = reprefill || std::stoi((*it)[1].str()) > 60;
    }
  }
  int preempted = 0;
  for (const RequestMetrics& m : run.records.requests) preempted += m.preemptions;
  EXPECT_EQ(preempted, run.records.counters.preemptions);
  EXPECT_TRUE(reprefill);
}

TEST(ServingEngine, SwapPreemptionUnderATinyKvBudgetCompletesEveryRequest) {
  const EnginePlan plan = tiny_kv_plan(PreemptionMode::swap);
  const EngineOutcome run = run_engine(plan);
  expect_every_request_done(run, plan);
  expect_kv_conserved(run);
  const EngineCounters& c = run.records.counters;
  EXPECT_GT(c.preemptions, 0);
  EXPECT_GT(c.swap_out_bytes, 0);
  EXPECT_EQ(c.swap_out_bytes, c.swap_in_bytes);
  // The swap copies are parts of the step ops, priced as memcpy of the moved bytes.
  double memcpy_bytes = 0;
  for (const core::KernelOp& op : run.log.ops) {
    for (const core::OpPart& part : op.parts) {
      const auto* e = std::get_if<core::ElementwiseShape>(&part);
      if (e != nullptr && e->kind == "memcpy") memcpy_bytes += core::bytes_of(part);
    }
  }
  EXPECT_DOUBLE_EQ(memcpy_bytes, static_cast<double>(c.swap_out_bytes + c.swap_in_bytes));
  EXPECT_NE(decisions(run.log, "preempt").front().find("swap"), std::string::npos);
}

TEST(ServingEngine, SwapWithoutHostRoomFallsBackToRecompute) {
  EnginePlan plan = tiny_kv_plan(PreemptionMode::swap);
  plan.config.host_kv_budget_bytes = 0;
  const EngineOutcome run = run_engine(plan);
  expect_every_request_done(run, plan);
  EXPECT_GT(run.records.counters.preemptions, 0);
  EXPECT_EQ(run.records.counters.swap_out_bytes, 0);
}

TEST(ServingEngine, HeavyContentionCompletesInEveryMode) {
  for (const bool chunked : {true, false}) {
    for (const PreemptionMode mode : {PreemptionMode::recompute, PreemptionMode::swap}) {
      EnginePlan plan = base_plan();
      plan.config.chunked_prefill = chunked;
      plan.config.max_num_batched_tokens = chunked ? 1024 : 8192;
      plan.config.prefill_chunk_tokens = 512;
      // Decode-heavy requests (prompts 25..1250, outputs 10..400) in a cache that holds
      // a few of them: growth keeps outrunning the free blocks.
      plan.config.kv_budget_bytes = 150 * kBlockBytes;
      plan.config.host_kv_budget_bytes = 200 * kBlockBytes;
      plan.config.watermark = 0.05;
      plan.config.preemption = mode;
      plan.requests = mixed_requests(40);
      for (ServingRequest& r : plan.requests) {
        r.arrival_s *= 0.1;
        r.prompt_tokens /= 4;
        r.output_tokens *= 10;
      }
      SCOPED_TRACE(std::string(chunked ? "chunked " : "whole ") + std::string(to_string(mode)));
      const EngineOutcome run = run_engine(plan);
      expect_every_request_done(run, plan);
      expect_kv_conserved(run);
      EXPECT_GT(run.records.counters.preemptions, 0);
      if (mode == PreemptionMode::swap) {
        EXPECT_GT(run.records.counters.swap_out_bytes, 0);
      }
    }
  }
}

TEST(ServingEngine, SameInputsGiveTheSameDecisionLog) {
  EnginePlan plan = tiny_kv_plan(PreemptionMode::swap);
  for (ServingRequest& r : mixed_requests(10)) plan.requests.push_back({r.id + 100, r.arrival_s, r.prompt_tokens / 40, r.output_tokens});
  const EngineOutcome a = run_engine(plan);
  const EngineOutcome b = run_engine(plan);
  EXPECT_EQ(a.log.decisions, b.log.decisions);
  EXPECT_GT(a.log.decisions.size(), 20u);
}

TEST(ServingEngine, RequestsThatCanNeverFitAreRejectedAndLogged) {
  EnginePlan plan = base_plan();
  plan.config.kv_budget_bytes = 16 * kBlockBytes;  // 256 tokens
  plan.requests = {{0, 0.0, 300, 1}, {1, 0.0, 50, 5}, {2, 0.0, 200, 58}};  // r2 peaks at 257 tokens
  const EngineOutcome run = run_engine(plan);
  EXPECT_TRUE(run.records.requests[0].rejected);
  EXPECT_FALSE(run.records.requests[1].rejected);
  EXPECT_TRUE(run.records.requests[2].rejected);
  EXPECT_EQ(run.records.token_times_s[1].size(), 5u);
  EXPECT_EQ(decisions(run.log, "reject").size(), 2u);
}

TEST(ServingEngine, TensorParallelRanksMirrorTheSameLoop) {
  EnginePlan plan = base_plan();
  plan.parallel.tp = 2;
  plan.requests = mixed_requests(8);
  plan.routing_decision = "instance 0 of 1 (round_robin): r0";
  test::FakeWorld world(2, 1.0);
  auto records = std::make_shared<EngineRecords>();
  const std::vector<std::string> errors =
      world.run({make_engine_program(plan, records), make_engine_program(plan, nullptr)});
  ASSERT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(world.log(0).decisions, world.log(1).decisions);
  EXPECT_EQ(world.log(0).decisions.front().first, "route");
  ASSERT_EQ(world.log(0).ops.size(), world.log(1).ops.size());
  bool all_reduce = false;
  for (std::size_t i = 0; i < world.log(0).ops.size(); ++i) {
    EXPECT_EQ(core::hash_parts(world.log(0).ops[i].parts), core::hash_parts(world.log(1).ops[i].parts));
    for (const core::OpPart& part : world.log(0).ops[i].parts) {
      all_reduce = all_reduce || std::holds_alternative<core::CollectiveShape>(part);
    }
  }
  EXPECT_TRUE(all_reduce);
  // Each rank accounts its own KV shard, the same on both.
  EXPECT_EQ(world.log(0).tag_peak[kKv], world.log(1).tag_peak[kKv]);
  EXPECT_EQ(records->counters.peak_kv_bytes, world.log(0).tag_peak[kKv]);
  expect_every_request_done({*records, world.log(0)}, plan);
}

TEST(ServingEngine, BadPlansAreInputErrors) {
  EnginePlan plan = base_plan();
  plan.requests = {{0, 0.0, 10, 1}};
  EnginePlan pp = plan;
  pp.parallel.pp = 3;  // does not divide the 4 layers
  EXPECT_THROW(make_engine_program(pp, nullptr), core::InputError);
  EnginePlan small = plan;
  small.config.kv_budget_bytes = kBlockBytes - 1;
  EXPECT_THROW(make_engine_program(small, nullptr), core::InputError);
  EnginePlan no_output = plan;
  no_output.requests[0].output_tokens = 0;
  EXPECT_THROW(make_engine_program(no_output, nullptr), core::InputError);
  EnginePlan twice = plan;
  twice.requests.push_back(plan.requests[0]);
  EXPECT_THROW(make_engine_program(twice, nullptr), core::InputError);
  EnginePlan budget = plan;
  budget.config.max_num_batched_tokens = 0;
  EXPECT_THROW(make_engine_program(budget, nullptr), core::InputError);
}

}  // namespace
}  // namespace lcperf::schedulers::serving
