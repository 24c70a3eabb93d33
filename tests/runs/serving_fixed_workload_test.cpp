// The fixed benchmark workload (workload.kind "fixed") and the step breakdown through
// runs::run_serving: a closed loop of one user runs its measured requests one after the
// other, each exactly as a lone request does; a static batch has no warm-up; the
// breakdown's parts add up to its step; the ideal stack adds no host time and a stack
// with host time adds exactly its per-step figures to a lone decode step.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "cost_models/stack_profile.hpp"
#include "runs/serving_run.hpp"

namespace lcperf::runs {
namespace {

using nlohmann::json;

core::Scenario scenario(int requests, int concurrency, const std::string& stack = "ideal") {
  const json j = {{"name", "fixed"},
                  {"kind", "serving"},
                  {"model", "llama3-8b"},
                  {"cluster", {{"name", "one H100"}, {"hardware", "h100"}, {"nodes", 1}, {"gpus_per_node", 1}}},
                  {"parallel", {{"tp", 1}}},
                  {"workload",
                   {{"kind", "fixed"}, {"requests", requests}, {"concurrency", concurrency}, {"prompt_tokens", 512},
                    {"output_tokens", 8}}},
                  {"serving", {{"stack", stack}}},
                  {"sim", {{"granularity", "stage"}}}};
  return core::load_scenario_text(j.dump(), "fixed.json");
}

json result_of(const core::Scenario& s) { return json::parse(run_serving(s).result_json); }

TEST(ServingFixedWorkload, OneUserRunsEachMeasuredRequestLikeALoneRequest) {
  const json lone = result_of(scenario(1, 1));
  const json loop = result_of(scenario(4, 1));
  EXPECT_EQ(lone["warmup_requests"], 0);
  EXPECT_EQ(loop["warmup_requests"], 1);
  EXPECT_EQ(loop["requests"], 3);
  EXPECT_NEAR(loop["ttft_s"]["p50"].get<double>(), lone["ttft_s"]["p50"].get<double>(), 1e-9);
  EXPECT_NEAR(loop["tpot_s"]["p50"].get<double>(), lone["tpot_s"]["p50"].get<double>(), 1e-9);
}

TEST(ServingFixedWorkload, StepBreakdownAddsUpAndTheIdealStackAddsNoHostTime) {
  const json r = result_of(scenario(4, 4));
  EXPECT_EQ(r["warmup_requests"], 0);  // a static batch
  for (const char* kind : {"decode", "prefill"}) {
    const json& b = r["step_breakdown"][kind];
    EXPECT_NEAR(b["gpu_s"].get<double>(),
                b["gemm_s"].get<double>() + b["attention_s"].get<double>() + b["elementwise_s"].get<double>() +
                    b["communication_s"].get<double>(),
                1e-12);
    EXPECT_EQ(b["host_before_s"].get<double>() + b["host_after_s"].get<double>(), 0.0);
    EXPECT_EQ(b["step_s"], b["gpu_s"]);
  }
  EXPECT_EQ(r["step_breakdown"]["decode"]["seqs"], 4);
  EXPECT_EQ(r["step_breakdown"]["prefill"]["tokens"], 512);
}

TEST(ServingFixedWorkload, AStackAddsItsHostFiguresToALoneDecodeStep) {
  const json ideal = result_of(scenario(1, 1));
  const json graphs = result_of(scenario(1, 1, "vllm-cudagraph"));
  const core::ServingStack s = cost::load_stack_profile("vllm-cudagraph");
  // A decode step of one sequence replays a graph: the GPU time plus these, in full.
  const double host = s.step_s + s.schedule_per_seq_s + s.prepare_per_seq_s + s.prepare_per_token_s +
                      s.graph_launch_s + s.sample_per_seq_s + s.output_per_seq_s;
  EXPECT_NEAR(graphs["tpot_s"]["p50"].get<double>() - ideal["tpot_s"]["p50"].get<double>(), host, 1e-9);
  EXPECT_EQ(graphs["stack"], "vllm-cudagraph");
}

TEST(ServingFixedWorkload, RefusesMoreUsersThanRequests) {
  EXPECT_THROW(scenario(2, 3), core::InputError);
}

}  // namespace
}  // namespace lcperf::runs
