// The size estimate made before a run (runs/size_admission.hpp) against the real event
// count of the run, on two small shipped training scenarios: within a factor of 1.5
// either way (measured: 2,400 estimated against 2,264 simulated for the smoke scenario,
// 110 against 124 for the tiny pipeline). Event counts are deterministic; nothing here
// is timed. One simulation per test: SimGrid runs one per process.
#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "runs/size_admission.hpp"
#include "runs/training_run.hpp"

namespace lcperf::runs {
namespace {

constexpr double kStatedFactor = 1.5;

void expect_estimate_near_real_count(const std::string& path) {
  const core::Scenario s = core::load_scenario(path);
  const SizeEstimate estimate = estimate_training_size(s);
  const double real = static_cast<double>(run_training(s).records.events_simulated);
  ASSERT_GT(real, 0);
  EXPECT_LE(estimate.events, kStatedFactor * real) << path << ": estimated " << estimate.events << ", ran " << real;
  EXPECT_GE(estimate.events, real / kStatedFactor) << path << ": estimated " << estimate.events << ", ran " << real;
}

TEST(SizeAdmission, SmokeScenarioEstimateIsWithinTheStatedFactorOfItsEvents) {
  expect_estimate_near_real_count(LCPERF_SOURCE_DIR "/scenarios/smoke/llama3-8b-8xh200-1f1b.json");
}

TEST(SizeAdmission, TinyPipelineEstimateIsWithinTheStatedFactorOfItsEvents) {
  expect_estimate_near_real_count(LCPERF_SOURCE_DIR "/scenarios/live/tiny-256-megatron-pp2-dp2.json");
}

// Closed forms of the estimate: linear in micro-batches at fixed shape, and the data-
// parallel ring adds 2 (dp - 1) events per actor.
TEST(SizeAdmission, TrainingEstimateGrowsLinearlyWithMicroBatches) {
  core::Scenario s = core::load_scenario(LCPERF_SOURCE_DIR "/scenarios/smoke/llama3-8b-8xh200-1f1b.json");
  s.parallel.num_micro_batches = 8;
  const double at8 = estimate_training_size(s).events;
  s.parallel.num_micro_batches = 16;
  const double at16 = estimate_training_size(s).events;
  s.parallel.num_micro_batches = 24;
  const double at24 = estimate_training_size(s).events;
  EXPECT_NEAR(at24 - at16, at16 - at8, 1e-6 * at24);
  EXPECT_GT(at16, at8);
}

TEST(SizeAdmission, OverBudgetIsAnInputErrorNamingTheEstimateAndTheBudget) {
  core::Scenario s = core::load_scenario(LCPERF_SOURCE_DIR "/scenarios/smoke/llama3-8b-8xh200-1f1b.json");
  const SizeEstimate e = estimate_training_size(s);
  s.sim.max_events = static_cast<std::int64_t>(e.events / 2);
  try {
    admit_size(s, e);
    FAIL() << "admitted a scenario estimated at twice its budget";
  } catch (const core::InputError& error) {
    const std::string text = error.what();
    EXPECT_NE(text.find("too large to simulate"), std::string::npos) << text;
    EXPECT_NE(text.find("sim.max_events"), std::string::npos) << text;
  }
  s.sim.max_events = 0;  // no limit
  s.sim.max_memory_gib = 0;
  EXPECT_NO_THROW(admit_size(s, e));
}

}  // namespace
}  // namespace lcperf::runs

namespace lcperf::runs {
namespace {

// The 1T GPT on 3,072 GPUs (issue 21's scale target, run by bench/sim_speed and by the
// shipped-scenario test): folded, it is one replica of 64 actors (TP groups of 8, six
// identical replicas), admitted by the default budgets; unfolded it is six times the
// actors.
TEST(SizeAdmission, OneTrillionParameterScenarioIsAdmittedAsOneFoldedReplica) {
  const std::string path = LCPERF_SOURCE_DIR "/scenarios/training/gpt-1t-3072xa100.json";
  const core::Scenario s = core::load_scenario(path);
  ASSERT_EQ(s.parallel.world_size(), 3072);
  const SizeEstimate folded = estimate_training_size(s);
  EXPECT_DOUBLE_EQ(folded.actors, 3072.0 / (8 * 6));
  EXPECT_NO_THROW(admit_size(s, folded));
  const core::Scenario unfolded = core::load_scenario(path, {{"sim.fold_data_parallel", "\"off\""}});
  EXPECT_DOUBLE_EQ(estimate_training_size(unfolded).actors, 6 * folded.actors);
}

}  // namespace
}  // namespace lcperf::runs
