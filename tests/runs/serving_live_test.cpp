// The serving engine run live on the CPU backend (real fp32 kernels on threads) and in
// the simulator from the same programs: the scheduler's decisions must be the same, every
// request must get exactly the tokens it asked for, and the KV cache must balance.
#include "runs/serving_live.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/scenario.hpp"

namespace lcperf::runs {
namespace {

const std::string kScenario = LCPERF_SOURCE_DIR "/scenarios/live/tiny-256-serving-step.json";

// The first six rows of traces/data/serving/azure-conv-2023.csv (GeneratedTokens).
const std::vector<std::int64_t> kTraceOutputs = {44, 109, 55, 16, 16, 84};

void expect_live_matches_simulated(const ServingLiveComparison& c) {
  // Same scheduler code, same burst of arrivals: the same decisions, step by step.
  const std::vector<std::string> live = per_rank_decision_lines(c.live.decisions);
  const std::vector<std::string> simulated = per_rank_decision_lines(c.simulated.decisions);
  ASSERT_FALSE(live.empty());
  EXPECT_EQ(live, simulated);
  const auto batches = std::count_if(c.live.decisions.begin(), c.live.decisions.end(),
                                     [](const core::DecisionRecord& d) { return d.kind == "batch"; });
  EXPECT_EQ(batches, c.live.counters.steps) << "one batch decision per engine step";
  EXPECT_EQ(c.live.counters.steps, c.simulated.counters.steps);

  // Every request produced exactly its output tokens, live and simulated.
  EXPECT_EQ(c.live.expected_output_tokens, kTraceOutputs);
  EXPECT_EQ(c.live.output_tokens_per_request, kTraceOutputs);
  EXPECT_EQ(c.simulated.output_tokens_per_request, kTraceOutputs);
  // A step samples at most one token per request, so the longest request bounds the steps from below.
  EXPECT_GE(c.live.counters.steps, *std::max_element(kTraceOutputs.begin(), kTraceOutputs.end()));

  // The KV cache balances: every block allocated live was freed, as in the simulation.
  EXPECT_GT(c.live.counters.blocks_allocated, 0);
  EXPECT_EQ(c.live.counters.blocks_allocated, c.live.counters.blocks_freed);
  EXPECT_EQ(c.live.counters.blocks_allocated, c.simulated.counters.blocks_allocated);

  // The live run executed real kernels: one measured step op per engine step (on the
  // first stage's rank 0), each with a positive duration and work in it.
  std::int64_t step_ops = 0;
  double busy_s = 0;
  for (const core::TimelineRecord& r : c.live_records.timeline) {
    if (r.rank != 0 || r.category != "serving") continue;
    ++step_ops;
    EXPECT_GT(r.end_s, r.start_s) << r.name;
    EXPECT_GT(r.flops, 0) << r.name;
    busy_s += r.end_s - r.start_s;
  }
  EXPECT_EQ(step_ops, c.live.counters.steps);
  EXPECT_GT(busy_s, 0);
  EXPECT_LE(busy_s, c.live.end_time_s);
  EXPECT_GT(c.simulated.end_time_s, 0);
  EXPECT_FALSE(c.live_records.oom.happened);
}

TEST(ServingLive, DecisionLogOfALiveCpuRunEqualsTheSimulatedOne) {
  const core::Scenario s = core::load_scenario(kScenario);
  const ServingLiveComparison c = run_serving_live_and_simulated(s);
  expect_live_matches_simulated(c);
  std::printf("pp1: %zu decisions, %lld steps, live end %.3f s, simulated end %.4f s\n", c.live.decisions.size(),
              static_cast<long long>(c.live.counters.steps), c.live.end_time_s, c.simulated.end_time_s);
}

TEST(ServingLive, PipelinedEngineDecidesTheSameLiveAndSimulated) {
  // Two pipeline stages: batches travel as real p2p messages between threads live, and
  // up to two are in flight at once.
  const core::Scenario s = core::load_scenario(kScenario, {core::parse_override("parallel.pp=2")});
  ASSERT_EQ(s.parallel.pp, 2);
  const ServingLiveComparison c = run_serving_live_and_simulated(s);
  expect_live_matches_simulated(c);
  std::printf("pp2: %zu decisions, %lld steps, live end %.3f s, simulated end %.4f s\n", c.live.decisions.size(),
              static_cast<long long>(c.live.counters.steps), c.live.end_time_s, c.simulated.end_time_s);
}

TEST(ServingLive, RejectsATrainingScenario) {
  core::Scenario s = core::load_scenario(kScenario);
  s.kind = core::ScenarioKind::training;
  EXPECT_THROW(run_serving_live_and_simulated(s), core::InputError);
}

}  // namespace
}  // namespace lcperf::runs
