// The scenario options' enums and their names: every name the loader accepts parses to
// a value that prints back as the same name (outputs spell options as scenario files
// do), and the strategy's recompute maps onto the layers' recompute granularity.
#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <string>

#include "core/layer_ops.hpp"
#include "core/scenario_options.hpp"

namespace lcperf::core {
namespace {

template <class Option>
void expect_names_round_trip() {
  const auto names = option_names(Option{});
  for (std::size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(std::string(names[i]));
    const std::optional<Option> parsed = parse_option<Option>(names[i]);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(static_cast<std::size_t>(*parsed), i);
    EXPECT_EQ(to_string(*parsed), names[i]);
  }
  EXPECT_FALSE(parse_option<Option>("not-an-option").has_value());
  EXPECT_EQ(to_string(static_cast<Option>(names.size())), "?");
}

TEST(ScenarioOptions, EveryNameParsesToTheValueThatPrintsIt) {
  expect_names_round_trip<ScenarioKind>();
  expect_names_round_trip<WorkloadKind>();
  expect_names_round_trip<Strategy>();
  expect_names_round_trip<PipelineSchedule>();
  expect_names_round_trip<RecomputePolicy>();
  expect_names_round_trip<Granularity>();
  expect_names_round_trip<Communication>();
  expect_names_round_trip<TensorParallelFolding>();
  expect_names_round_trip<RoutingPolicy>();
  expect_names_round_trip<PreemptionMode>();
  expect_names_round_trip<KvPolicy>();
  expect_names_round_trip<TraceFormat>();
  expect_names_round_trip<AttentionImpl>();
  expect_names_round_trip<PositionEmbedding>();
  expect_names_round_trip<GemmPrecision>();
  expect_names_round_trip<Fp8Recipe>();
}

TEST(ScenarioOptions, NamesAreTheScenarioFilesSpellings) {
  EXPECT_EQ(to_string(PipelineSchedule::one_f_one_b), "1f1b");
  EXPECT_EQ(to_string(TensorParallelFolding::automatic), "auto");
  EXPECT_EQ(to_string(TraceFormat::detect), "");
  EXPECT_EQ(parse_option<Communication>("free"), Communication::free);
}

TEST(ScenarioOptions, StrategyRecomputeIsOneLayerGranularityOrThePlanner) {
  EXPECT_EQ(uniform_recompute(RecomputePolicy::none), Recompute::none);
  EXPECT_EQ(uniform_recompute(RecomputePolicy::selective), Recompute::selective);
  EXPECT_EQ(uniform_recompute(RecomputePolicy::full), Recompute::full);
  EXPECT_FALSE(uniform_recompute(RecomputePolicy::planner).has_value());
  // The layers' own names are the strategy's, less the planner's.
  EXPECT_EQ(to_string(Recompute::selective), to_string(RecomputePolicy::selective));
}

}  // namespace
}  // namespace lcperf::core
