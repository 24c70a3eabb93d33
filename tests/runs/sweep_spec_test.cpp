// The sweep file parser and the enumeration, in process: ranges, derived dp, the
// deterministic order, equivalent Megatron configurations and shard parsing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runs/sweep_configs.hpp"
#include "runs/sweep_spec.hpp"
#include "core/errors.hpp"

namespace lcperf::runs {
namespace {

const std::string kBase = LCPERF_SOURCE_DIR "/scenarios/chunkflow/qwen2.5-7b-32k-megatron.json";

SweepSpec spec_of(const std::string& axes, const std::string& extra = "") {
  return parse_sweep_spec(R"({"base": ")" + kBase + R"(", "axes": )" + axes + extra + "}", "s.json");
}

TEST(SweepSpec, RangesExpandGeometricallyOrByStep) {
  const SweepSpec spec = spec_of(R"({"parallel.pp": {"range": [1, 16], "step": "x2"}, "parallel.tp": {"range": [2, 7], "step": 2}})");
  ASSERT_EQ(spec.axes.size(), 2u);
  EXPECT_EQ(spec.axes[0].values, (std::vector<std::string>{"1", "2", "4", "8", "16"}));
  EXPECT_EQ(spec.axes[1].values, (std::vector<std::string>{"2", "4", "6"}));
  EXPECT_EQ(spec.objective.metric, "tokens_per_s");
  EXPECT_TRUE(spec.objective.maximize);
  EXPECT_EQ(spec.top, 10);
}

TEST(SweepSpec, EnumerationDerivesDpAndSpotsEquivalentMegatronRuns) {
  const SweepSpec spec = spec_of(R"({"strategy.name": ["megatron", "chunkflow"], "parallel.tp": [1, 3], "strategy.k": [1, 2], "parallel.dp": "auto"})",
                                 R"(, "constraints": {"gpus": 32})");
  const SweepBase base = load_sweep_base(spec);
  const std::vector<SweepConfig> configs = enumerate_configs(spec, base);
  ASSERT_EQ(configs.size(), 8u);
  // Sorted axes: parallel.tp, strategy.k, strategy.name (fastest).
  EXPECT_EQ(configs[0].key, R"({"parallel.dp":32,"parallel.tp":1,"strategy.k":1,"strategy.name":"megatron"})");
  EXPECT_EQ(configs[1].key, R"({"parallel.dp":32,"parallel.tp":1,"strategy.k":1,"strategy.name":"chunkflow"})");
  // Megatron ignores k: configuration 2 (k=2, megatron) repeats configuration 0.
  EXPECT_EQ(configs[2].same_as, 0u);
  EXPECT_EQ(configs[3].same_as, 3u);
  // tp=3 with pp=1, cp=1 (the base's) does not divide 32 GPUs.
  EXPECT_FALSE(configs[4].derive_error.empty());
  EXPECT_TRUE(configs[0].derive_error.empty());
}

TEST(SweepSpec, ShardTextIsChecked) {
  EXPECT_EQ(parse_shard("1/4").index, 1);
  EXPECT_EQ(parse_shard("1/4").count, 4);
  for (const char* bad : {"4/4", "-1/2", "1", "a/b", "1/0", "1/2x"}) {
    EXPECT_THROW(parse_shard(bad), core::InputError) << bad;
  }
}

}  // namespace
}  // namespace lcperf::runs
