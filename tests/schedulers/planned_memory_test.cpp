// The memory planner driving the Megatron program (strategy.recompute = "planner"): it
// recomputes only when the activation budget binds, and then keeps each micro-batch
// within it.
#include <gtest/gtest.h>

#include "fake_runtime.hpp"
#include "schedulers/training/megatron_program.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::training {
namespace {

core::Scenario planner_scenario(double budget_gib) {
  core::Scenario sc;
  sc.name = "planner-test";
  sc.model = test::tiny_model(false);
  sc.parallel.tp = 2;
  sc.parallel.sequence_parallel = true;
  sc.parallel.pp = 2;
  sc.parallel.num_micro_batches = 4;
  sc.cluster.gpus_per_node = 8;
  sc.cluster.gpu.hbm_bytes = 80e9;
  sc.workload.seq_len = 2048;
  sc.strategy.recompute = core::RecomputePolicy::planner;
  sc.strategy.activation_budget_gib = budget_gib;
  return sc;
}

struct Outcome {
  int recompute_ops = 0;
  std::int64_t activation_peak = 0;
  std::int64_t budget = 0;
  int in_flight = 0;
};

Outcome run(double budget_gib, int rank) {
  const core::Scenario sc = planner_scenario(budget_gib);
  std::vector<core::RankProgram> programs;
  for (int r = 0; r < sc.parallel.world_size(); ++r) programs.push_back(make_megatron_rank_program(sc, r));
  test::FakeWorld fake(sc.parallel.world_size());
  for (const std::string& e : fake.run(programs)) ADD_FAILURE() << e;
  const test::RankLog& log = fake.log(rank);
  Outcome o;
  for (const auto& op : log.ops) o.recompute_ops += op.category == "recompute" ? 1 : 0;
  o.activation_peak = log.tag_peak[static_cast<std::size_t>(core::MemoryTag::activations)];
  const MegatronPlan plan = make_megatron_plan(sc, rank);
  o.budget = plan.activation_budget;
  o.in_flight = std::min(sc.parallel.num_micro_batches, sc.parallel.pp - core::coord_of(sc.parallel, rank).pp);
  EXPECT_EQ(log.live_tensors, 0);
  return o;
}

TEST(PlannedMemory, GenerousBudgetMeansNoRecompute) {
  const Outcome o = run(100.0, 0);
  EXPECT_EQ(o.recompute_ops, 0);
  EXPECT_GT(o.activation_peak, 0);
}

TEST(PlannedMemory, TightBudgetRecomputesAndStaysWithinIt) {
  const Outcome loose = run(100.0, 0);
  // The tightest budget (in steps of 5% below one micro-batch's unplanned peak) that the
  // planner can still meet by evicting: it must then recompute.
  const core::Scenario sc = planner_scenario(100.0);
  const MegatronPlan plan = make_megatron_plan(sc, 0);
  const std::int64_t unplanned = loose.activation_peak / loose.in_flight;
  std::int64_t budget = unplanned;
  for (int pct = 95; pct >= 40; pct -= 5) {
    const std::int64_t candidate = unplanned * pct / 100;
    if (!plan_micro_batch(*plan.planner, plan.batch.tokens(), candidate).feasible) break;
    budget = candidate;
  }
  ASSERT_LT(budget, unplanned) << "no feasible budget below the unplanned peak";
  const Outcome tight = run(static_cast<double>(budget) / (1024.0 * 1024 * 1024), 0);
  EXPECT_GT(tight.recompute_ops, 0);
  EXPECT_LT(tight.activation_peak, loose.activation_peak);
  // Each in-flight micro-batch holds at most the budget.
  EXPECT_LE(tight.activation_peak, static_cast<std::int64_t>(tight.in_flight) * tight.budget);
}

TEST(PlannedMemory, DerivedBudgetIsHbmAfterModelStatesPerInFlightMicroBatch) {
  const core::Scenario sc = planner_scenario(0);
  const MegatronPlan plan = make_megatron_plan(sc, 0);
  const std::int64_t params = core::params_on_rank(sc.model, sc.parallel, 0);
  const std::int64_t states =
      core::weight_bytes(params) + core::gradient_bytes(params) + core::optimizer_bytes(params, sc.parallel);
  EXPECT_EQ(plan.activation_budget, (static_cast<std::int64_t>(80e9) - states) / 2);  // 1F1B stage 0 of 2 holds 2
}

}  // namespace
}  // namespace lcperf::schedulers::training
