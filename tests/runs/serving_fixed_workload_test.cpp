// The fixed benchmark workload (workload.kind "fixed") and the step breakdown through
// runs::run_serving: a closed loop of one user runs its measured requests one after the
// other, each exactly as a lone request does; a static batch has no warm-up; the
// breakdown's parts add up to its step; the ideal stack adds no host time and a stack
// with host time adds exactly its per-step figures to a lone decode step; a stack's
// per-request costs shift TTFT and e2e by exactly their sum and no step; a closed loop's
// throughput is its steady state (Little's law); a stack's custom all-reduce replaces
// NCCL's only where it is faster; users started together keep the burst's order; a decode
// kernel that does not share K/V over a GQA group reads it per query head; a length
// spread draws each request's lengths around the means, and the closed loop's throughput
// counts the tokens its requests carried.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/stack_profile.hpp"
#include "runs/serving_breakdown.hpp"
#include "runs/serving_run.hpp"

namespace lcperf::runs {
namespace {

using nlohmann::json;

core::Scenario scenario(int requests, int concurrency, const std::string& stack = "ideal",
                        const std::string& start = "staggered") {
  const json j = {{"name", "fixed"},
                  {"kind", "serving"},
                  {"model", "llama3-8b"},
                  {"cluster", {{"name", "one H100"}, {"hardware", "h100"}, {"nodes", 1}, {"gpus_per_node", 1}}},
                  {"parallel", {{"tp", 1}}},
                  {"workload",
                   {{"kind", "fixed"}, {"requests", requests}, {"concurrency", concurrency}, {"prompt_tokens", 512},
                    {"output_tokens", 8}, {"start", start}}},
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
  // Inter-token gaps of the measured requests only: 3 x (8 - 1), the warm-up's left out.
  EXPECT_EQ(lone["itl_s"]["count"], 7);
  EXPECT_EQ(loop["itl_s"]["count"], 3 * 7);
  EXPECT_NEAR(loop["itl_s"]["mean"].get<double>(), lone["itl_s"]["mean"].get<double>(), 1e-9);
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

// A stack profile with only per-request costs (no host time per step).
std::string request_cost_stack() {
  auto item = [](const std::string& v) { return R"({"value": )" + v + R"(, "source": "test"})"; };
  const std::string text =
      R"({"format_version": 1, "stack": "requests-only", "step_s": )" + item("0") + R"(, "schedule_per_seq_s": )" +
      item("0") + R"(, "prepare_per_seq_s": )" + item("0") + R"(, "prepare_per_token_s": )" + item("0") +
      R"(, "sample_per_seq_s": )" + item("0") + R"(, "output_per_seq_s": )" + item("0") +
      R"(, "kernel_launch_s": )" + item("0") + R"(, "graph_launch_s": )" + item("0") + R"(, "launch": )" +
      item(R"("graph_all")") + R"(, "async_host": )" + item("false") +
      R"(, "prefill_attention": {"value": "flash", "time_factor": 1.0, "source": "test"}, "request_s": )" +
      item("0.01") + R"(, "request_per_prompt_token_s": )" + item("1e-5") + "}";
  const std::string path = ::testing::TempDir() + "/requests-only-stack.json";
  std::ofstream(path) << text;
  return path;
}

// One simulation per test case: a request that waits for its admission sleeps on the
// simulator's clock, which SimGrid does not reset between simulations in one process.
// A lone request's first token comes with its prefill step (the step breakdown's
// "prefill", priced alone), so its TTFT is that step plus the request's costs.
void expect_request_costs_in_ttft_only(int requests) {
  const json r = result_of(scenario(requests, 1, request_cost_stack()));
  const double overhead = 0.01 + 512 * 1e-5;  // request_s + per prompt token x 512
  const json& steps = r["step_breakdown"];
  EXPECT_NEAR(r["ttft_s"]["p50"].get<double>(), steps["prefill"]["step_s"].get<double>() + overhead, 1e-9);
  EXPECT_EQ(steps["prefill"]["host_before_s"].get<double>() + steps["decode"]["host_before_s"].get<double>(), 0.0);
  EXPECT_NEAR(r["e2e_s"]["p50"].get<double>(), r["ttft_s"]["p50"].get<double>() + 7 * r["tpot_s"]["p50"].get<double>(),
              1e-9);
}

TEST(ServingFixedWorkload, RequestCostsAddToALoneRequestsTtftAndNoStep) { expect_request_costs_in_ttft_only(1); }

TEST(ServingFixedWorkload, RequestCostsAddToEveryClosedLoopRequestsTtft) { expect_request_costs_in_ttft_only(4); }

TEST(ServingFixedWorkload, AClosedLoopsThroughputIsUsersPerMeanE2eAndAStaticBatchsIsItsSpan) {
  const json loop = result_of(scenario(4, 1));  // one user: one request in the system at all times
  EXPECT_NEAR(loop["output_tokens_per_s"].get<double>(), 8.0 / loop["e2e_s"]["mean"].get<double>(), 1e-9);
  EXPECT_NEAR(loop["throughput_tokens_per_s"].get<double>(), (512.0 + 8.0) / loop["e2e_s"]["mean"].get<double>(),
              1e-9);
  const json batch = result_of(scenario(4, 4));  // no warm-up: tokens over the run's span
  EXPECT_NEAR(batch["output_tokens_per_s"].get<double>(), 4 * 8.0 / batch["duration_s"].get<double>(), 1e-9);
}

TEST(ServingFixedWorkload, ACustomAllReduceReplacesNcclOnlyWhereItIsFaster) {
  const core::HardwareSpec h100 = core::load_hardware("h100");
  const cost::CostModel model(h100, cost::load_device_profile("h100"));
  core::ServingStack nccl;
  core::ServingStack custom;
  custom.custom_all_reduce_latency_s = 4e-6;
  auto all_reduce = [](std::int64_t bytes, int ranks, int nodes) {
    return core::OpPart{core::CollectiveShape{core::CollectiveKind::all_reduce, bytes, ranks, nodes}};
  };
  // A decode step's all-reduce (one token of an 8192-wide model, TP2): the one-shot
  // kernel's latency plus a bandwidth term no larger than NCCL's, below NCCL's time.
  const core::OpPart small = all_reduce(16384, 2, 1);
  const double nccl_small = model.time_s(small);
  const double nccl_empty = model.time_s(all_reduce(0, 2, 1));
  const double custom_small = serving_part_time_s(model, small, custom);
  EXPECT_EQ(serving_part_time_s(model, small, nccl), nccl_small);
  EXPECT_LT(custom_small, nccl_small);
  EXPECT_GE(custom_small, 4e-6);
  EXPECT_LE(custom_small, 4e-6 + (nccl_small - nccl_empty) + 1e-15);
  // 1 GiB over 8 ranks: one-shot would read 7 shards where the ring moves 1.75, so the
  // two-shot kernel moves the ring's bytes after its two barriers.
  const core::OpPart large = all_reduce(std::int64_t{1} << 30, 8, 1);
  const double nccl_large = model.time_s(large);
  const double bandwidth_large = nccl_large - model.time_s(all_reduce(0, 8, 1));
  EXPECT_NEAR(serving_part_time_s(model, large, custom), std::min(nccl_large, 2 * 4e-6 + bandwidth_large), 1e-12);
  // A kernel slower than NCCL is never picked.
  core::ServingStack slow;
  slow.custom_all_reduce_latency_s = 1e-3;
  EXPECT_EQ(serving_part_time_s(model, small, slow), nccl_small);
  // Across nodes there is no peer memory: NCCL.
  const core::OpPart two_nodes = all_reduce(16384, 16, 2);
  EXPECT_EQ(serving_part_time_s(model, two_nodes, custom), model.time_s(two_nodes));
}

TEST(ServingFixedWorkload, AStackWithoutAnFp8ContextKernelPricesFp8PrefillAttentionIn16Bits) {
  const core::HardwareSpec h100 = core::load_hardware("h100");
  const cost::CostModel model(h100, cost::load_device_profile("h100"));
  core::AttentionShape prefill;
  prefill.seqs = {core::AttentionSeq{2048, 2048}};
  prefill.heads_q = 32;
  prefill.heads_kv = 8;
  prefill.head_dim = 128;
  prefill.dtype = core::DType::fp8;
  core::AttentionShape sixteen_bit = prefill;
  sixteen_bit.dtype = core::DType::bf16;
  core::ServingStack no_fp8_kernel;
  no_fp8_kernel.prefill_attention_fp8 = false;
  EXPECT_EQ(serving_part_time_s(model, core::OpPart{prefill}, no_fp8_kernel), model.time_s(core::OpPart{sixteen_bit}));
  EXPECT_EQ(serving_part_time_s(model, core::OpPart{prefill}, core::ServingStack{}), model.time_s(core::OpPart{prefill}));
  EXPECT_GT(model.time_s(core::OpPart{sixteen_bit}), model.time_s(core::OpPart{prefill}));  // FP8's peak is twice
  core::AttentionShape decode = prefill;  // a paged decode reads FP8 KV in FP8 either way
  decode.paged_decode = true;
  decode.seqs = {core::AttentionSeq{1, 2048}};
  EXPECT_EQ(serving_part_time_s(model, core::OpPart{decode}, no_fp8_kernel), model.time_s(core::OpPart{decode}));
}

// Users started together send full requests at t = 0; one user is a lone request either
// way, and two users whose prompts share a step (512 + 512 tokens, budget 8192) prefill,
// decode and end together, so their next requests arrive together too: every measured
// request is alike.
TEST(ServingFixedWorkload, UsersStartedTogetherKeepTheBurstsOrder) {
  const json staggered = result_of(scenario(3, 1));
  const json together = result_of(scenario(3, 1, "ideal", "together"));
  EXPECT_EQ(together["warmup_requests"], 1);
  for (const char* metric : {"ttft_s", "e2e_s"}) {
    for (const char* stat : {"p50", "p99", "mean"}) {
      EXPECT_NEAR(together[metric][stat].get<double>(), staggered[metric][stat].get<double>(), 1e-12) << metric;
    }
  }
  const json lockstep = result_of(scenario(6, 2, "ideal", "together"));
  EXPECT_EQ(lockstep["requests"], 4);
  // Alike up to the rounding of times taken at different clock readings (staggered, the
  // same load's measured requests are not: their mean e2e is 4 % under the median).
  for (const char* metric : {"ttft_s", "e2e_s"}) {
    const json& m = lockstep[metric];
    EXPECT_NEAR(m["p50"].get<double>(), m["p99"].get<double>(), 1e-12) << metric;
    EXPECT_NEAR(m["p50"].get<double>(), m["mean"].get<double>(), 1e-12) << metric;
  }
  EXPECT_GT(lockstep["ttft_s"]["p50"].get<double>(), 0.0);
}

// TensorRT-LLM before its GQA-aware XQA kernel: the decode attention reads a GQA model's
// K/V once per query head, exactly the cost of an MHA layout with heads_kv = heads_q;
// prefill attention and MHA models are untouched.
TEST(ServingFixedWorkload, ADecodeKernelThatDoesNotShareKvPaysItPerQueryHead) {
  const core::HardwareSpec h100 = core::load_hardware("h100");
  const cost::CostModel model(h100, cost::load_device_profile("h100"));
  core::AttentionShape decode;
  decode.seqs = std::vector<core::AttentionSeq>(64, core::AttentionSeq{1, 4096});
  decode.heads_q = 32;
  decode.heads_kv = 4;
  decode.head_dim = 128;
  decode.paged_decode = true;
  core::AttentionShape per_query_head = decode;
  per_query_head.heads_kv = 32;
  core::ServingStack unshared;
  unshared.decode_attention_shares_kv = false;
  EXPECT_EQ(serving_part_time_s(model, core::OpPart{decode}, unshared), model.time_s(core::OpPart{per_query_head}));
  EXPECT_EQ(serving_part_time_s(model, core::OpPart{decode}, core::ServingStack{}), model.time_s(core::OpPart{decode}));
  EXPECT_GT(model.time_s(core::OpPart{per_query_head}), 4 * model.time_s(core::OpPart{decode}));  // KV-bound
  EXPECT_EQ(serving_part_time_s(model, core::OpPart{per_query_head}, unshared),
            model.time_s(core::OpPart{per_query_head}));  // MHA: nothing to share
  core::AttentionShape prefill = decode;
  prefill.paged_decode = false;
  prefill.seqs = {core::AttentionSeq{2048, 2048}};
  EXPECT_EQ(serving_part_time_s(model, core::OpPart{prefill}, unshared), model.time_s(core::OpPart{prefill}));
}

TEST(ServingFixedWorkload, RefusesMoreUsersThanRequests) {
  EXPECT_THROW(scenario(2, 3), core::InputError);
}

// The fixed workload with a length spread: `n` requests of 512 in / 8 out from 2 users.
core::Scenario spread_scenario(int n, double prompt_stddev, double output_stddev, int seed = 1) {
  json j = json::parse(R"({"name": "spread", "kind": "serving", "model": "llama3-8b",
    "cluster": {"name": "one H100", "hardware": "h100", "nodes": 1, "gpus_per_node": 1},
    "parallel": {"tp": 1}, "serving": {"stack": "ideal"}, "sim": {"granularity": "stage"},
    "workload": {"kind": "fixed", "concurrency": 2, "prompt_tokens": 512, "output_tokens": 8,
                 "start": "together"}})");
  j["seed"] = seed;
  j["workload"]["requests"] = n;
  j["workload"]["prompt_tokens_stddev"] = prompt_stddev;
  j["workload"]["output_tokens_stddev"] = output_stddev;
  return core::load_scenario_text(j.dump(), "spread.json");
}

TEST(ServingFixedWorkload, ALengthSpreadDrawsEachRequestsLengthsAroundTheMeans) {
  // Without a spread every request is the mean; with one, 400 measured draws have a
  // sample mean within 4 standard errors of the mean and a sample deviation within 20 %
  // of the spread; the lengths are whole and at least 1; the same seed gives the same
  // lengths and another seed others.
  for (const auto& m : run_serving(spread_scenario(12, 0, 0)).request_metrics) {
    EXPECT_EQ(m.prompt, 512);
    EXPECT_EQ(m.output, 8);
  }
  const auto spread = run_serving(spread_scenario(402, 40, 2)).request_metrics;
  ASSERT_EQ(spread.size(), 400u);  // the 2 of the burst are the warm-up
  double prompt_sum = 0, prompt_sq = 0, output_sum = 0;
  for (const auto& m : spread) {
    EXPECT_GE(m.output, 1);
    prompt_sum += static_cast<double>(m.prompt);
    prompt_sq += static_cast<double>(m.prompt) * static_cast<double>(m.prompt);
    output_sum += static_cast<double>(m.output);
  }
  const double n = static_cast<double>(spread.size());
  const double prompt_mean = prompt_sum / n;
  EXPECT_NEAR(prompt_mean, 512.0, 4 * 40 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(prompt_sq / n - prompt_mean * prompt_mean), 40.0, 0.2 * 40);
  EXPECT_NEAR(output_sum / n, 8.0, 4 * 2 / std::sqrt(n) + 0.1);  // + the clamp at 1's pull
  const auto again = run_serving(spread_scenario(402, 40, 2)).request_metrics;
  const auto other = run_serving(spread_scenario(402, 40, 2, 2)).request_metrics;
  bool same = true, differs = false;
  for (std::size_t i = 0; i < spread.size(); ++i) {
    same = same && again[i].prompt == spread[i].prompt && again[i].output == spread[i].output;
    differs = differs || other[i].prompt != spread[i].prompt;
  }
  EXPECT_TRUE(same);
  EXPECT_TRUE(differs);
  // A spread far above the mean clamps at 1 token.
  std::int64_t shortest = 8;
  for (const auto& m : run_serving(spread_scenario(42, 0, 50)).request_metrics) shortest = std::min(shortest, m.output);
  EXPECT_EQ(shortest, 1);
}

TEST(ServingFixedWorkload, AClosedLoopWithALengthSpreadCountsTheTokensItsRequestsCarried) {
  // Little's law with the realised lengths: users x mean tokens of the measured requests
  // / their mean e2e.
  const core::Scenario s = spread_scenario(42, 40, 2);
  const ServingRun run = run_serving(s);
  const json r = json::parse(run.result_json);
  double prompt = 0, output = 0;
  for (const auto& m : run.request_metrics) {
    prompt += static_cast<double>(m.prompt);
    output += static_cast<double>(m.output);
  }
  const double n = static_cast<double>(run.request_metrics.size());
  const double per_s = 2 / r["e2e_s"]["mean"].get<double>();
  EXPECT_NEAR(r["output_tokens_per_s"].get<double>(), per_s * output / n, 1e-9);
  EXPECT_NEAR(r["throughput_tokens_per_s"].get<double>(), per_s * (prompt + output) / n, 1e-9);
}

TEST(ServingFixedWorkload, RefusesANegativeLengthSpread) {
  EXPECT_THROW(spread_scenario(4, -1, 0), core::InputError);
  EXPECT_THROW(spread_scenario(4, 0, -0.5), core::InputError);
}

}  // namespace
}  // namespace lcperf::runs
