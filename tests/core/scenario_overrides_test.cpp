// --set overrides: dotted paths into the scenario after ids are resolved.
#include <gtest/gtest.h>

#include "core/scenario.hpp"
#include "scenario_test_support.hpp"

namespace lcperf::core {
namespace {

using test::expect_input_error;
using test::kBaseScenario;
using test::kOrigin;

Scenario load_with(std::initializer_list<const char*> sets, const std::string& text = kBaseScenario) {
  std::vector<Override> overrides;
  for (const char* set : sets) overrides.push_back(parse_override(set));
  return load_scenario_text(text, kOrigin, overrides);
}

TEST(ScenarioOverrides, ParseSplitsAtTheFirstEquals) {
  const Override o = parse_override("parallel.tp=4");
  EXPECT_EQ(o.path, "parallel.tp");
  EXPECT_EQ(o.value, "4");
  EXPECT_EQ(parse_override("sim.device_profile=a=b").value, "a=b");
  EXPECT_EQ(parse_override("$.parallel.tp=4").path, "parallel.tp");  // the spelling of error messages
  EXPECT_EQ(parse_override(" parallel.tp =4").path, "parallel.tp");
  EXPECT_EQ(parse_override("name=").value, "");
}

TEST(ScenarioOverrides, MalformedOverridesAreInputErrors) {
  expect_input_error([] { parse_override("parallel.tp"); }, {"--set 'parallel.tp': expected PATH=VALUE"});
  expect_input_error([] { parse_override("=4"); }, {"--set '=4': empty path"});
  expect_input_error([] { parse_override("parallel..tp=4"); }, {"empty component in path 'parallel..tp'"});
  expect_input_error([] { parse_override("parallel.=4"); }, {"empty component"});
}

TEST(ScenarioOverrides, SetsParallelDegrees) {
  const Scenario s = load_with({"parallel.tp=4", "parallel.dp=1"});
  EXPECT_EQ(s.parallel.tp, 4);
  EXPECT_EQ(s.parallel.dp, 1);
}

TEST(ScenarioOverrides, ReachesIntoAnIdResolvedModel) {
  const Scenario s = load_with({"model.layers=8"});
  EXPECT_EQ(s.model.id, "llama3-8b");
  EXPECT_EQ(s.model.layers, 8);
  EXPECT_EQ(s.model.hidden, 4096);
}

TEST(ScenarioOverrides, ValuesParseAsJsonOrFallBackToStrings) {
  const Scenario s = load_with({"strategy.schedule=gpipe", "sim.communication=\"free\"",
                                "parallel.sequence_parallel=false", "workload.seq_len=1.6384e4", "seed=42"});
  EXPECT_EQ(s.strategy.schedule, "gpipe");
  EXPECT_EQ(s.sim.communication, "free");
  EXPECT_FALSE(s.parallel.sequence_parallel);
  EXPECT_EQ(s.workload.seq_len, 16384);
  EXPECT_EQ(s.seed, 42u);
}

TEST(ScenarioOverrides, ReplacesModelClusterAndHardwareById) {
  const Scenario qwen = load_with({"model=qwen2.5-7b"});
  EXPECT_EQ(qwen.model.id, "qwen2.5-7b");
  EXPECT_EQ(qwen.model.heads, 28);
  const Scenario h100 = load_with({"cluster.hardware=h100"});
  EXPECT_EQ(h100.cluster.gpu.id, "h100");
  const Scenario big = load_with({"cluster=h200-4node", "parallel.dp=8"});
  EXPECT_EQ(big.cluster.world_size(), 32);
  EXPECT_EQ(big.parallel.world_size(), 32);
}

TEST(ScenarioOverrides, OptionalSectionsCanBeSetWhenAbsent) {
  const std::string minimal = R"({"model": "llama3-8b", "cluster": "h200-1node",
                                  "workload": {"kind": "fixed_length", "seq_len": 4096}})";
  const Scenario s = load_with({"parallel.tp=2", "strategy.recompute=full", "sim.granularity=stage"}, minimal);
  EXPECT_EQ(s.parallel.tp, 2);
  EXPECT_EQ(s.strategy.recompute, "full");
  EXPECT_EQ(s.sim.granularity, "stage");
}

TEST(ScenarioOverrides, BadPathsFailClearly) {
  expect_input_error([] { load_with({"parallel.tpx.y=3"}); },
                     {"base.json: --set 'parallel.tpx.y=3': no key 'tpx' at $.parallel (keys: "});
  expect_input_error([] { load_with({"nosuch.x=1"}); }, {"no key 'nosuch' at $ (keys: "});
  expect_input_error([] { load_with({"parallel.tp.x=1"}); },
                     {"--set 'parallel.tp.x=1': $.parallel.tp is an integer, not an object"});
  // A new last key is set, then rejected by the strict parse like any unknown key.
  expect_input_error([] { load_with({"parallel.tpp=3"}); }, {"unknown key 'tpp' at $.parallel", "did you mean 'tp'?"});
  expect_input_error([] { load_with({"model.layer=8"}); },
                     {"unknown key 'layer' at $.model", "did you mean 'layers'?"});
}

TEST(ScenarioOverrides, ValuesAreTypeChecked) {
  expect_input_error([] { load_with({"parallel.tp=two"}); },
                     {"base.json: $.parallel.tp: expected an integer, got string \"two\""});
  expect_input_error([] { load_with({"model=llama9"}); }, {"$.model: unknown model id 'llama9'"});
  expect_input_error([] { load_with({"model={\"layers\": 2}"}); }, {"$.model: missing required key 'hidden'"});
}

}  // namespace
}  // namespace lcperf::core
