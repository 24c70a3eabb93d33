// A serving stack's host time in the engine loop (core/serving_stack.hpp,
// schedulers/serving/host_work.hpp) on the fake runtime, where every GPU op takes
// op_time_s and a host op its host_time_s: each step's end against the closed forms
// before + max(gpu, launches) + after (synchronous) and max(gpu, before + launches +
// after) (async), graphs for decode steps only, and the closed-loop client.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "core/serving_stack.hpp"
#include "fake_runtime.hpp"
#include "schedulers/serving/engine.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::serving {
namespace {

constexpr double kGpu = 1.0;  // every GPU op

EnginePlan plan_with(const core::ServingStack& stack) {
  EnginePlan p;
  p.model = test::tiny_model(false);
  p.config.block_size_tokens = 16;
  p.config.kv_budget_bytes = 4096 * 16 * 512 * 4;
  p.config.watermark = 0;
  p.config.max_num_batched_tokens = 2048;
  p.config.prefill_chunk_tokens = 2048;
  p.config.stack = stack;
  return p;
}

struct HostRun {
  EngineRecords records;
  test::RankLog log;
};

HostRun run(const EnginePlan& plan) {
  test::FakeWorld world(1, kGpu);
  auto records = std::make_shared<EngineRecords>();
  const std::vector<std::string> errors = world.run({make_engine_program(plan, records)});
  EXPECT_TRUE(errors.empty()) << errors.front();
  return {*records, world.log(0)};
}

core::ServingStack host_stack() {
  core::ServingStack s;
  s.id = "test";
  s.step_s = 0.01;
  s.schedule_per_seq_s = 0.002;
  s.prepare_per_seq_s = 0.001;
  s.prepare_per_token_s = 1e-4;
  s.sample_per_seq_s = 0.003;
  s.output_per_seq_s = 0.004;
  s.launch = core::KernelLaunch::graph_all;  // no launch bound unless a test asks
  return s;
}

// Kernels of the first GPU op in the log, counted on its expanded parts.
std::size_t kernels_of_first_step(const test::RankLog& log) {
  for (const core::KernelOp& op : log.ops) {
    if (op.category != "host") return core::expanded(op).parts.size();
  }
  return 0;
}

TEST(ServingHostWork, SynchronousHostWorkAddsBeforeAndAfterEveryStep) {
  EnginePlan plan = plan_with(host_stack());
  plan.requests = {{0, 0.0, 100, 3}};
  const HostRun r = run(plan);
  // Prefill: 0.01 + 0.003 x 1 seq + 1e-4 x 100 tokens, the step, then 0.007 x 1 sampled.
  const double prefill = 0.01 + 0.003 + 0.01 + kGpu + 0.007;
  // Decode: the same with 1 token.
  const double decode = 0.01 + 0.003 + 1e-4 + kGpu + 0.007;
  const RequestMetrics& m = r.records.requests[0];
  EXPECT_NEAR(m.first_token_s, prefill, 1e-12);
  EXPECT_NEAR(m.finish_s, prefill + 2 * decode, 1e-12);
  // Host ops run on their own lane, named and categorised as host work.
  int host_ops = 0;
  for (const core::KernelOp& op : r.log.ops) host_ops += op.category == "host" ? 1 : 0;
  EXPECT_EQ(host_ops, 6);  // before and after each of the 3 steps
}

TEST(ServingHostWork, EagerLaunchesBoundAStepWhenTheyTakeLongerThanItsKernels) {
  core::ServingStack stack = host_stack();
  stack.launch = core::KernelLaunch::eager;
  EnginePlan probe = plan_with(stack);
  probe.requests = {{0, 0.0, 100, 2}};
  const std::size_t kernels = kernels_of_first_step(run(probe).log);
  ASSERT_GT(kernels, 0u);
  // Launches of 3 GPU-steps' worth: the GPU waits 2 x kGpu for them after its own kGpu.
  stack.kernel_launch_s = 3 * kGpu / static_cast<double>(kernels);
  EnginePlan plan = plan_with(stack);
  plan.requests = {{0, 0.0, 100, 1}};
  const HostRun r = run(plan);
  EXPECT_NEAR(r.records.requests[0].finish_s, 0.01 + 0.003 + 0.01 + 3 * kGpu + 0.007, 1e-9);
  // Launches faster than the kernels are hidden entirely.
  stack.kernel_launch_s = 0.5 * kGpu / static_cast<double>(kernels);
  plan.config.stack = stack;
  EXPECT_NEAR(run(plan).records.requests[0].finish_s, 0.01 + 0.003 + 0.01 + kGpu + 0.007, 1e-9);
}

TEST(ServingHostWork, GraphsReplaceLaunchesOnDecodeStepsOnly) {
  core::ServingStack stack = host_stack();
  stack.launch = core::KernelLaunch::graph_decode;
  stack.graph_launch_s = 0.02;
  EnginePlan probe = plan_with(stack);
  probe.requests = {{0, 0.0, 100, 2}};
  const std::size_t kernels = kernels_of_first_step(run(probe).log);
  stack.kernel_launch_s = 2 * kGpu / static_cast<double>(kernels);  // eager prefill: launch-bound, 2 x kGpu
  EnginePlan plan = plan_with(stack);
  plan.requests = {{0, 0.0, 100, 2}};
  const RequestMetrics m = run(plan).records.requests[0];
  const double prefill = 0.01 + 0.003 + 0.01 + 2 * kGpu + 0.007;
  EXPECT_NEAR(m.first_token_s, prefill, 1e-9);
  EXPECT_NEAR(m.finish_s - m.first_token_s, 0.01 + 0.003 + 1e-4 + 0.02 + kGpu + 0.007, 1e-9);
}

TEST(ServingHostWork, AsyncHostWorkHidesBehindTheGpuAsFarAsItFits) {
  core::ServingStack stack = host_stack();
  stack.async_host = true;
  EnginePlan plan = plan_with(stack);
  plan.requests = {{0, 0.0, 100, 2}};
  EXPECT_NEAR(run(plan).records.requests[0].finish_s, 2 * kGpu, 1e-12);  // 0.03 of host per step: hidden
  stack.step_s = 1.5;  // now the host work is longer than the step: it sets the pace
  plan.config.stack = stack;
  const RequestMetrics m = run(plan).records.requests[0];
  EXPECT_NEAR(m.first_token_s, 1.5 + 0.003 + 0.01 + 0.007, 1e-12);
  EXPECT_NEAR(m.finish_s - m.first_token_s, 1.5 + 0.003 + 1e-4 + 0.007, 1e-12);
}

TEST(ServingHostWork, IdealStackLaunchesNoHostOps) {
  EnginePlan plan = plan_with(core::ServingStack{});
  plan.requests = {{0, 0.0, 100, 3}};
  const HostRun r = run(plan);
  for (const core::KernelOp& op : r.log.ops) EXPECT_NE(op.category, "host");
  EXPECT_DOUBLE_EQ(r.records.requests[0].finish_s, 3 * kGpu);
}

TEST(ServingClosedLoop, EachRequestArrivesWhenAnEarlierOneEnds) {
  EnginePlan plan = plan_with(core::ServingStack{});
  plan.config.closed_loop = 2;
  plan.requests = {{0, 0.0, 100, 2}, {1, 0.0, 100, 4}, {2, 0.0, 100, 3}, {3, 0.0, 100, 1}};
  const HostRun r = run(plan);
  const std::vector<RequestMetrics>& m = r.records.requests;
  EXPECT_DOUBLE_EQ(m[0].arrival_s, 0.0);
  EXPECT_DOUBLE_EQ(m[1].arrival_s, 0.0);
  // r0 ends first: r2 arrives then; r3 arrives when the next one (r1 or r2) ends.
  EXPECT_DOUBLE_EQ(m[2].arrival_s, m[0].finish_s);
  EXPECT_DOUBLE_EQ(m[3].arrival_s, std::min(m[1].finish_s, m[2].finish_s));
  // Never more than 2 requests outstanding: every arrival is at or after an end.
  for (const StepRecord& s : r.records.steps) EXPECT_LE(s.decodes + s.prefill_chunks, 2);
}

}  // namespace
}  // namespace lcperf::schedulers::serving
