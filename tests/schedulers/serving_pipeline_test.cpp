// Pipeline parallelism inside a serving instance, on the simulator: stages exchange
// activations p2p and the first stage keeps up to pp batches in flight. Kernel time is
// FLOPs / 1e12, so stage costs have closed forms.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <memory>

#include "../sim/sim_test_support.hpp"
#include "core/errors.hpp"
#include "core/serving_ops.hpp"
#include "schedulers/serving/engine.hpp"
#include "sim/simulator.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::serving {
namespace {

constexpr auto kKv = static_cast<std::size_t>(core::MemoryTag::kv_cache);

EnginePlan pipeline_plan(int pp) {
  EnginePlan p;
  p.model = test::tiny_model(false);
  p.parallel.pp = pp;
  p.config.block_size_tokens = 16;
  p.config.kv_budget_bytes = 4096 * kv_block_bytes(p.model, p.parallel, p.config);
  p.config.watermark = 0;
  p.config.max_num_batched_tokens = 2048;
  p.config.prefill_chunk_tokens = 256;
  return p;
}

struct PipelineRun {
  core::RunRecords records;
  EngineRecords engine;
};

PipelineRun simulate_plan(const EnginePlan& plan, bool free_communication, bool run_ahead = false) {
  auto records = std::make_shared<EngineRecords>();
  const core::RankProgram first = make_engine_program(plan, records);
  const core::RankProgram others = make_engine_program(plan, nullptr);
  sim::SimulationInput in;
  in.cluster = sim::testing::round_cluster(1, 8);
  in.ranks = plan.parallel.tp * plan.parallel.pp;
  in.free_communication = free_communication;
  in.run_ahead = run_ahead;
  in.program_for = [first, others](int r) { return r == 0 ? first : others; };
  in.kernel_price = sim::priced_by(sim::testing::flops_over_tera);
  PipelineRun run;
  run.records = sim::simulate(in);
  run.engine = *records;
  return run;
}

// The time one stage's layers take for `seqs` under FLOPs / 1e12.
double stage_time_s(const EnginePlan& plan, int stage, const std::vector<core::ServingSeq>& seqs) {
  core::KernelOp op;
  op.parts = core::serving_step_parts(plan.model, plan.parallel, seqs, plan.model.layers / plan.parallel.pp,
                                      stage == plan.parallel.pp - 1, stage == 0);
  return sim::testing::flops_over_tera(op);
}

double pipeline_time_s(const EnginePlan& plan, const std::vector<core::ServingSeq>& seqs) {
  double total = 0;
  for (int s = 0; s < plan.parallel.pp; ++s) total += stage_time_s(plan, s, seqs);
  return total;
}

TEST(ServingPipeline, OneRequestTtftIsTheSumOverChunksOfEveryStageCost) {
  EnginePlan plan = pipeline_plan(2);
  plan.config.record_token_times = true;
  plan.requests = {{0, 0.5, 1000, 3}};
  const PipelineRun run = simulate_plan(plan, true);
  // Chunks of 256: 256, 256, 256 and a final 232 that samples the first token; then two
  // decodes. A request waits for its batch to come back, so nothing overlaps.
  double ttft = 0;
  for (std::int64_t before = 0; before < 1000; before += 256) {
    const std::int64_t q = std::min<std::int64_t>(256, 1000 - before);
    ttft += pipeline_time_s(plan, {{q, before, false, before + q == 1000, 1000}});
  }
  const double decodes = pipeline_time_s(plan, {{1, 1000, true, false, 1000}}) +
                         pipeline_time_s(plan, {{1, 1001, true, false, 1000}});
  const RequestMetrics& m = run.engine.requests[0];
  EXPECT_NEAR(m.first_token_s - m.arrival_s, ttft, 1e-12);
  EXPECT_NEAR(m.finish_s - m.first_token_s, decodes, 1e-12);
  EXPECT_GT(stage_time_s(plan, 1, {{232, 768, false, true, 1000}}), stage_time_s(plan, 0, {{232, 768, false, true, 1000}}))
      << "the last stage also runs the LM head";
  // Both stages ran every step: four chunks and two decodes each.
  std::map<int, int> steps_per_rank;
  for (const core::TimelineRecord& t : run.records.timeline) {
    if (t.category == "serving") steps_per_rank[t.rank] += 1;
  }
  EXPECT_EQ(steps_per_rank[0], 6);
  EXPECT_EQ(steps_per_rank[1], 6);
}

// 48 requests arriving at once, decode-heavy: enough running requests to fill every
// batch in flight.
std::vector<ServingRequest> burst() {
  std::vector<ServingRequest> rs;
  for (int i = 0; i < 48; ++i) rs.push_back({i, 0.0, 100 + 7 * i, 40 + i % 9});
  return rs;
}

TEST(ServingPipeline, TwoStagesServeABurstFasterThanOneOnTheSameGpusPerStage) {
  // Same GPUs per stage (one), twice the stages: each stage runs half the layers and two
  // batches (each half of the running requests) are in flight, so in steady state every
  // request advances a token in about half the time of the one-stage engine. Embedding,
  // head and p2p transfers keep it short of 2x.
  // Llama-3-8B-sized layers, so kernels (not link latencies) set the step times.
  auto end_time = [](int pp) {
    return sim::testing::simulate_in_child([pp] {
             EnginePlan plan = pipeline_plan(pp);
             plan.model = test::llama3_8b();
             plan.config.kv_budget_bytes = 4096 * kv_block_bytes(plan.model, plan.parallel, plan.config);
             plan.requests = burst();
             return simulate_plan(plan, false).records;
           })
        .end_time_s;
  };
  const double one = end_time(1);
  const double two = end_time(2);
  ASSERT_GT(one, 0);
  ASSERT_GT(two, 0);
  RecordProperty("pp2_speedup", std::to_string(one / two));
  EXPECT_GT(one / two, 1.4) << "pp=1 " << one << " s, pp=2 " << two << " s";
}

TEST(ServingPipeline, TokensAndKvBlocksAreConservedOnEveryStageUnderPreemption) {
  EnginePlan plan = pipeline_plan(4);
  plan.config.record_token_times = true;
  // 40 blocks of 16 tokens per rank: the burst outgrows it and preempts.
  plan.config.kv_budget_bytes = 40 * kv_block_bytes(plan.model, plan.parallel, plan.config);
  plan.requests = burst();
  for (ServingRequest& r : plan.requests) r.prompt_tokens /= 2;
  const PipelineRun run = simulate_plan(plan, false);
  const EngineCounters& c = run.engine.counters;
  EXPECT_GT(c.preemptions, 0);
  EXPECT_EQ(c.blocks_allocated, c.blocks_freed);
  for (std::size_t i = 0; i < plan.requests.size(); ++i) {
    EXPECT_EQ(static_cast<std::int64_t>(run.engine.token_times_s[i].size()), plan.requests[i].output_tokens) << i;
    EXPECT_GE(run.engine.requests[i].first_token_s, run.engine.requests[i].arrival_s);
  }
  // Each stage mirrors the same block table for its own layers: equal KV peaks, and
  // every byte allocated is released.
  std::map<int, std::int64_t> kv_left;
  for (const core::MemoryEvent& e : run.records.memory) {
    if (e.tag == core::MemoryTag::kv_cache) kv_left[e.rank] += e.delta_bytes;
  }
  ASSERT_EQ(kv_left.size(), 4u);
  for (const auto& [rank, left] : kv_left) EXPECT_EQ(left, 0) << "rank " << rank;
  for (int r = 0; r < 4; ++r) EXPECT_EQ(run.records.peak_bytes_per_rank_tag[static_cast<std::size_t>(r)][kKv], c.peak_kv_bytes);
  EXPECT_LE(c.peak_kv_bytes, plan.config.kv_budget_bytes);
}

TEST(ServingPipeline, RunningAheadOfSimGridChangesNoTime) {
  // The serving CLI lets ranks run ahead of SimGrid's clock through kernels they run
  // alone (sim::SimulationInput::run_ahead); every time must come out the same, with
  // one stage (all steps run ahead) and with two (messages and p2p force catch-ups).
  for (const int pp : {1, 2}) {
    auto end_time = [pp](bool run_ahead) {
      return sim::testing::simulate_in_child([pp, run_ahead] {
        EnginePlan plan = pipeline_plan(pp);
        plan.requests = burst();
        for (ServingRequest& r : plan.requests) r.arrival_s = 0.01 * r.id;  // idle gaps too
        return simulate_plan(plan, false, run_ahead).records;
      });
    };
    const sim::testing::ChildRun exact = end_time(false);
    const sim::testing::ChildRun ahead = end_time(true);
    ASSERT_GT(exact.end_time_s, 0) << "pp=" << pp;
    // Equal up to SimGrid's own rounding of activity times (its precision is 1e-9 s).
    EXPECT_NEAR(ahead.end_time_s, exact.end_time_s, 1e-9 * exact.end_time_s) << "pp=" << pp;
    EXPECT_EQ(ahead.events, exact.events) << "pp=" << pp;
  }
}

TEST(ServingPipeline, PipelineStagesMustDivideTheLayers) {
  EnginePlan plan = pipeline_plan(3);
  plan.requests = {{0, 0.0, 10, 1}};
  EXPECT_THROW(make_engine_program(plan, nullptr), core::InputError);
}

}  // namespace
}  // namespace lcperf::schedulers::serving
