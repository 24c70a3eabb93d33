// serving.slo in a scenario and the --slo text: both spellings of the same bounds, and
// bad input named by its path or part.
#include "core/serving_slo.hpp"

#include <gtest/gtest.h>

#include "core/scenario.hpp"
#include "tests/core/scenario_test_support.hpp"

namespace lcperf::core {
namespace {

using test::expect_input_error;
using test::kOrigin;

std::string serving_with(const std::string& serving) {
  return R"({"kind": "serving", "model": "llama3-8b", "cluster": "h200-1node",
    "workload": {"kind": "trace", "trace": "azure-code-2023"}, "serving": )" + serving + "}";
}

TEST(ServingSloOption, ScenarioBoundsAreOptionalAndNoneByDefault) {
  EXPECT_FALSE(load_scenario_text(serving_with("{}"), kOrigin).serving.slo.any());
  const ServingSlo slo =
      load_scenario_text(serving_with(R"({"slo": {"ttft_s": 0.5, "e2e_s": 20}})"), kOrigin).serving.slo;
  EXPECT_EQ(slo.ttft_s, 0.5);
  EXPECT_FALSE(slo.tpot_s.has_value());
  EXPECT_EQ(slo.e2e_s, 20.0);
}

TEST(ServingSloOption, ScenarioRefusesBadBounds) {
  expect_input_error([] { load_scenario_text(serving_with(R"({"slo": {"ttft_s": 0}})"), kOrigin); },
                     {"$.serving.slo.ttft_s"});
  expect_input_error([] { load_scenario_text(serving_with(R"({"slo": {"tpot": 0.1}})"), kOrigin); },
                     {"$.serving.slo", "tpot"});
  expect_input_error([] { load_scenario_text(serving_with(R"({"slo": {}})"), kOrigin); },
                     {"$.serving.slo", "at least one"});
}

TEST(ServingSloOption, TextGivesTheSameBounds) {
  const ServingSlo slo = parse_slo_text("ttft=0.5,tpot=0.05", "--slo");
  EXPECT_EQ(slo.ttft_s, 0.5);
  EXPECT_EQ(slo.tpot_s, 0.05);
  EXPECT_FALSE(slo.e2e_s.has_value());
  EXPECT_EQ(parse_slo_text("e2e=12", "--slo").e2e_s, 12.0);
}

TEST(ServingSloOption, TextNamesTheOptionAndTheBadPart) {
  expect_input_error([] { parse_slo_text("ttft=0.5,tpt=1", "--slo"); }, {"--slo", "\"tpt=1\"", "unknown bound"});
  expect_input_error([] { parse_slo_text("ttft=fast", "--slo"); }, {"--slo", "\"ttft=fast\"", "positive number"});
  expect_input_error([] { parse_slo_text("ttft=-1", "--slo"); }, {"--slo", "\"ttft=-1\""});
  expect_input_error([] { parse_slo_text("ttft=1,ttft=2", "--slo"); }, {"--slo", "twice"});
  expect_input_error([] { parse_slo_text("ttft", "--slo"); }, {"--slo", "NAME=SECONDS"});
  expect_input_error([] { parse_slo_text("", "--slo"); }, {"--slo", "no bound"});
}

}  // namespace
}  // namespace lcperf::core
