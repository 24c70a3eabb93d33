// result.json: every contract key of docs/contract.md, right types, stable order, OOM detail,
// and byte-identical text for identical inputs.
#include "reports/result_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report_fixtures.hpp"

namespace lcperf::reports {
namespace {

using nlohmann::json;

TEST(ResultJson, HasEveryContractKeyWithTheRightType) {
  const auto result = lcperf::testing::sample_result();
  const json doc = json::parse(training_result_json(result, lcperf::testing::sample_scenario(), "0.1.0"));
  EXPECT_EQ(doc.at("kind"), "training");
  for (const char* key : {"iteration_time_s", "tokens_per_s", "mfu", "bubble_ratio", "dp_imbalance",
                          "recompute_time_s", "wall_time_s"}) {
    ASSERT_TRUE(doc.contains(key)) << key;
    EXPECT_TRUE(doc.at(key).is_number()) << key;
  }
  EXPECT_TRUE(doc.at("peak_memory_bytes").is_number_integer());
  EXPECT_TRUE(doc.at("peak_memory_bytes_per_rank").is_array());
  EXPECT_EQ(doc.at("peak_memory_bytes_per_rank").size(), result.peak_memory_bytes_per_rank.size());
  EXPECT_TRUE(doc.at("oom").is_boolean());
  EXPECT_TRUE(doc.at("oom_detail").is_null());
  EXPECT_EQ(doc.at("scenario"), "sample");
  EXPECT_EQ(doc.at("seed"), 42);
  EXPECT_EQ(doc.at("lcperf_version"), "0.1.0");
  EXPECT_TRUE(doc.at("events_simulated").is_number_unsigned());
  EXPECT_DOUBLE_EQ(doc.at("mfu").get<double>(), result.mfu);
  EXPECT_EQ(doc.at("parallel").at("pp"), 2);
  EXPECT_EQ(doc.at("world_size"), 4);
}

TEST(ResultJson, ContractKeysComeFirstInAFixedOrder) {
  const std::string text =
      training_result_json(lcperf::testing::sample_result(), lcperf::testing::sample_scenario(), "0.1.0");
  std::size_t previous = 0;
  for (const char* key : {"\"kind\"", "\"scenario\"", "\"seed\"", "\"lcperf_version\"", "\"iteration_time_s\"",
                          "\"tokens_per_s\"", "\"mfu\"", "\"bubble_ratio\"", "\"dp_imbalance\"",
                          "\"peak_memory_bytes\"", "\"peak_memory_bytes_per_rank\"", "\"oom\"", "\"oom_detail\"",
                          "\"recompute_time_s\"", "\"wall_time_s\"", "\"events_simulated\""}) {
    const std::size_t at = text.find(key);
    ASSERT_NE(at, std::string::npos) << key;
    EXPECT_GE(at, previous) << key;
    previous = at;
  }
}

TEST(ResultJson, OomDetailWhenOutOfMemory) {
  auto result = lcperf::testing::sample_result();
  result.oom = true;
  result.oom_detail = {true, 3, core::MemoryTag::activations, 1.25, 1LL << 32, 70LL << 30, 80LL << 30};
  const json doc = json::parse(training_result_json(result, lcperf::testing::sample_scenario(), "v"));
  EXPECT_TRUE(doc.at("oom").get<bool>());
  const json& detail = doc.at("oom_detail");
  EXPECT_EQ(detail.at("rank"), 3);
  EXPECT_EQ(detail.at("tag"), "activations");
  EXPECT_DOUBLE_EQ(detail.at("time_s").get<double>(), 1.25);
  EXPECT_EQ(detail.at("requested_bytes"), 1LL << 32);
  EXPECT_EQ(detail.at("in_use_bytes"), 70LL << 30);
  EXPECT_EQ(detail.at("capacity_bytes"), 80LL << 30);
}

TEST(ResultJson, IdenticalInputsGiveIdenticalBytes) {
  const auto a = training_result_json(lcperf::testing::sample_result(), lcperf::testing::sample_scenario(), "v");
  const auto b = training_result_json(lcperf::testing::sample_result(), lcperf::testing::sample_scenario(), "v");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.back(), '\n');
}

}  // namespace
}  // namespace lcperf::reports
