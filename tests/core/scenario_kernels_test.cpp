// The training scenario's `kernels` section (core/layer_kernels.hpp): the defaults when
// it is absent, every option read, and bad values refused with the JSON path and rule.
#include <gtest/gtest.h>

#include "core/scenario.hpp"
#include "scenario_test_support.hpp"

namespace lcperf::core {
namespace {

using test::expect_input_error;
using test::kBaseScenario;
using test::kOrigin;
using test::replace_once;

std::string with_kernels(const std::string& kernels) {
  return replace_once(kBaseScenario, R"("sim": {)", R"("kernels": )" + kernels + R"(, "sim": {)");
}

TEST(ScenarioKernels, AbsentSectionIsTheFusedModelPrecisionPath) {
  const Scenario s = load_scenario_text(kBaseScenario, kOrigin);
  EXPECT_EQ(s.model.kernels.attention, "flash2");
  EXPECT_EQ(s.model.kernels.position_embedding, "rotary");
  EXPECT_EQ(s.model.kernels.gemm_precision, "model");
  EXPECT_EQ(s.model.kernels.fp8_recipe, "delayed");
  EXPECT_EQ(s.model.kernels.wgrad_accumulation, "none");
  EXPECT_EQ(s.model.kernels.cross_entropy, "fused");
  EXPECT_EQ(s.model.kernels.cp_attention, "one_call");
  EXPECT_EQ(s.model.kernels.attention_dropout, 0.0);
  EXPECT_EQ(s.model.kernels.hidden_dropout, 0.0);
}

TEST(ScenarioKernels, ReadsEveryOption) {
  const Scenario s = load_scenario_text(
      with_kernels(R"({"attention": "unfused", "attention_dropout": 0.1, "hidden_dropout": 0.05,
                       "position_embedding": "learned_absolute", "gemm_precision": "fp8", "fp8_recipe": "current",
                       "wgrad_accumulation": "fp32", "cross_entropy": "unfused_fp32", "cp_attention": "ring_steps"})"),
      kOrigin);
  EXPECT_EQ(s.model.kernels.attention, "unfused");
  EXPECT_EQ(s.model.kernels.attention_dropout, 0.1);
  EXPECT_EQ(s.model.kernels.hidden_dropout, 0.05);
  EXPECT_EQ(s.model.kernels.position_embedding, "learned_absolute");
  EXPECT_EQ(s.model.kernels.gemm_precision, "fp8");
  EXPECT_EQ(s.model.kernels.fp8_recipe, "current");
  EXPECT_EQ(s.model.kernels.wgrad_accumulation, "fp32");
  EXPECT_EQ(s.model.kernels.cross_entropy, "unfused_fp32");
  EXPECT_EQ(s.model.kernels.cp_attention, "ring_steps");
}

TEST(ScenarioKernels, SetReachesTheSectionWithoutTheScenarioNamingIt) {
  const Scenario s = load_scenario_text(kBaseScenario, kOrigin, {parse_override("kernels.attention=cudnn"),
                                                                 parse_override("kernels.gemm_precision=fp8")});
  EXPECT_EQ(s.model.kernels.attention, "cudnn");
  EXPECT_TRUE(s.model.kernels.fp8());
}

TEST(ScenarioKernels, RefusesBadValues) {
  const auto load = [](const std::string& kernels) { return load_scenario_text(with_kernels(kernels), kOrigin); };
  expect_input_error([&] { load(R"({"attention": "flash4"})"); },
                     {"base.json", "$.kernels.attention", "flash2, flash3, cudnn, unfused"});
  expect_input_error([&] { load(R"({"gemm_precision": "fp4"})"); }, {"$.kernels.gemm_precision", "model, fp8"});
  expect_input_error([&] { load(R"({"fp8_recipe": "mx"})"); }, {"$.kernels.fp8_recipe", "delayed, current"});
  expect_input_error([&] { load(R"({"wgrad_accumulation": "bf16"})"); }, {"$.kernels.wgrad_accumulation", "none, fp32"});
  expect_input_error([&] { load(R"({"cross_entropy": "liger"})"); }, {"$.kernels.cross_entropy", "fused, unfused_fp32"});
  expect_input_error([&] { load(R"({"cp_attention": "ulysses"})"); }, {"$.kernels.cp_attention", "one_call, ring_steps"});
  expect_input_error([&] { load(R"({"position_embedding": "alibi"})"); }, {"$.kernels.position_embedding"});
  expect_input_error([&] { load(R"({"hidden_dropout": 1.0})"); }, {"$.kernels.hidden_dropout", "below 1"});
  expect_input_error([&] { load(R"({"attention_dropout": -0.1})"); }, {"$.kernels.attention_dropout"});
  expect_input_error([&] { load(R"({"atention": "unfused"})"); }, {"$.kernels", "atention"});
}

TEST(ScenarioKernels, ServingScenariosRefuseKernelOptions) {
  const std::string serving = R"({"kind": "serving", "model": "llama3-8b", "cluster": "h200-1node",
    "workload": {"kind": "trace", "trace": "azure-code-2023"}, "kernels": {"attention": "unfused"}})";
  expect_input_error([&] { load_scenario_text(serving, kOrigin); }, {"$.kernels", "training scenarios"});
}

}  // namespace
}  // namespace lcperf::core
