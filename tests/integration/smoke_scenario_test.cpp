// The smoke scenario (Llama-3-8B on 8 H200, TP2 PP2 DP2, 1F1B) against hand computation:
// op counts, the 1F1B bubble (p-1)/(m+p-1) with uniform compute and free communication,
// and memory = weights + gradients + optimizer + in-flight activations by formula.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>

#include "runs/training_run.hpp"
#include "core/layer_ops.hpp"
#include "core/training_memory.hpp"
#include "schedulers/training/megatron_program.hpp"

namespace lcperf::runs {
namespace {

const std::string kSmoke = std::string(LCPERF_SOURCE_DIR) + "/scenarios/smoke/llama3-8b-8xh200-1f1b.json";

constexpr double kForward = 1e-3;
constexpr double kBackward = 2e-3;

// Uniform compute: every transformer layer costs the same, everything else is free.
double uniform_layers(const core::KernelOp& op) {
  if (op.name.rfind("fwd L", 0) == 0) return kForward;
  if (op.name.rfind("bwd L", 0) == 0) return kBackward;
  return 0.0;
}

TEST(SmokeScenario, UniformComputeAndFreeCommunicationGiveTheClosedFormBubble) {
  const core::Scenario s = core::load_scenario(kSmoke, {{"sim.communication", "\"free\""}});
  TrainingRunOptions options;
  options.kernel_time_s = uniform_layers;
  const TrainingRun run = run_training(s, options);
  const int p = s.parallel.pp;
  const int m = s.parallel.num_micro_batches;
  const int layers_per_stage = s.model.layers / p;
  const double tf = layers_per_stage * kForward;
  const double tb = layers_per_stage * kBackward;
  EXPECT_NEAR(run.result.iteration_time_s, (m + p - 1) * (tf + tb), 1e-9);
  EXPECT_NEAR(run.result.bubble_ratio, static_cast<double>(p - 1) / (m + p - 1), 1e-9);
  EXPECT_NEAR(run.result.dp_imbalance, 0.0, 1e-12);
}

TEST(SmokeScenario, EveryRankRunsEveryLayerOfEveryMicroBatchOnce) {
  const core::Scenario s = core::load_scenario(kSmoke, {{"sim.communication", "\"free\""}});
  TrainingRunOptions options;
  options.kernel_time_s = uniform_layers;
  const TrainingRun run = run_training(s, options);
  std::map<int, int> forwards;
  std::map<int, int> backwards;
  std::map<int, int> optimizer_steps;
  for (const auto& rec : run.records.timeline) {
    if (rec.name.rfind("fwd L", 0) == 0) ++forwards[rec.rank];
    if (rec.name.rfind("bwd L", 0) == 0) ++backwards[rec.rank];
    if (rec.category == "optimizer") ++optimizer_steps[rec.rank];
  }
  const int expected = s.parallel.num_micro_batches * s.model.layers / s.parallel.pp;
  ASSERT_EQ(forwards.size(), 8u);
  for (int r = 0; r < 8; ++r) {
    EXPECT_EQ(forwards[r], expected) << "rank " << r;
    EXPECT_EQ(backwards[r], expected) << "rank " << r;
    EXPECT_EQ(optimizer_steps[r], 1) << "rank " << r;
  }
}

TEST(SmokeScenario, PeakMemoryIsWeightsGradientsOptimizerAndInFlightActivations) {
  const core::Scenario s = core::load_scenario(kSmoke);
  const TrainingRun run = run_training(s);
  ASSERT_EQ(run.result.peak_memory_bytes_per_rank.size(), 8u);
  for (int r = 0; r < 8; ++r) {
    const auto plan = schedulers::training::make_megatron_plan(s, r);
    const int stage = core::coord_of(s.parallel, r).pp;
    const auto mem = core::rank_memory(plan.model, plan.parallel, plan.batch, plan.schedule, plan.recompute, stage);
    // By hand: bf16 weights 2 B, fp32 grads 4 B, Adam 12 B / dp per parameter.
    EXPECT_EQ(mem.weights, 2 * mem.params);
    EXPECT_EQ(mem.gradients, 4 * mem.params);
    EXPECT_EQ(mem.optimizer, (12 * mem.params + s.parallel.dp - 1) / s.parallel.dp);
    EXPECT_EQ(mem.in_flight, std::min(s.parallel.num_micro_batches, s.parallel.pp - stage));
    EXPECT_EQ(run.result.peak_memory_bytes_per_rank[static_cast<std::size_t>(r)], mem.peak()) << "rank " << r;
  }
  EXPECT_FALSE(run.result.oom);
  // Everything allocated during the iteration is released by its end, except the model
  // states, which live on.
  std::int64_t net = 0;
  for (const auto& e : run.records.memory) {
    if (e.tag == core::MemoryTag::activations || e.tag == core::MemoryTag::comm_buffer) net += e.delta_bytes;
  }
  EXPECT_EQ(net, 0);
}

TEST(SmokeScenario, PricedRunIsPlausibleAgainstItsCriticalPath) {
  const core::Scenario s = core::load_scenario(kSmoke);
  const TrainingRun run = run_training(s);
  const auto& rows = run.comparison;
  ASSERT_EQ(rows.size(), 3u);
  // The iteration cannot beat the 1F1B critical path of its slowest stage, and the
  // communication it adds on one NVSwitch node is a modest fraction.
  EXPECT_GE(run.result.iteration_time_s, rows[2].expected * (1 - 1e-9));
  EXPECT_LT(run.result.iteration_time_s, rows[2].expected * 1.5);
  EXPECT_GT(run.result.mfu, 0.2);
  EXPECT_LT(run.result.mfu, 0.8);
  EXPECT_EQ(run.result.tokens_per_iteration, 2 * 8 * 8192);
}

TEST(SmokeScenario, FoldingTensorParallelGroupsGivesTheSameIteration) {
  // A second simulation cannot run in a process that already ran one (SimGrid keeps
  // its engine's clock), so the folded run happens in a child forked first.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    const auto folded = run_training(core::load_scenario(kSmoke, {{"sim.fold_tensor_parallel", "\"on\""}}));
    const double t = folded.fold == 2 ? folded.result.iteration_time_s : -1.0;
    _exit(write(fds[1], &t, sizeof t) == sizeof t ? 0 : 1);
  }
  double folded_time = 0;
  ASSERT_EQ(read(fds[0], &folded_time, sizeof folded_time), static_cast<ssize_t>(sizeof folded_time));
  int status = 0;
  waitpid(pid, &status, 0);
  const auto plain = run_training(core::load_scenario(kSmoke, {{"sim.fold_tensor_parallel", "\"off\""}}));
  EXPECT_EQ(plain.fold, 1);
  EXPECT_GT(plain.result.iteration_time_s, 0);
  EXPECT_NEAR(folded_time, plain.result.iteration_time_s, plain.result.iteration_time_s * 1e-9);
}

}  // namespace
}  // namespace lcperf::runs
