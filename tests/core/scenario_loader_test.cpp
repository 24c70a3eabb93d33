// Loading scenarios: ids resolve to data files, fields are checked, and every rule
// broken is reported as an InputError naming the file and JSON path.
#include <gtest/gtest.h>

#include "core/scenario.hpp"
#include "scenario_test_support.hpp"

namespace lcperf::core {
namespace {

using test::expect_input_error;
using test::kBaseScenario;
using test::kOrigin;
using test::replace_once;

Scenario load(const std::string& text, const std::vector<Override>& overrides = {}) {
  return load_scenario_text(text, kOrigin, overrides);
}

TEST(ScenarioLoader, BaseScenarioLoads) {
  const Scenario s = load(kBaseScenario);
  EXPECT_EQ(s.name, "base");
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.kind, "training");
  EXPECT_EQ(s.source_path, "");
  EXPECT_EQ(s.model.id, "llama3-8b");
  EXPECT_EQ(s.model.layers, 32);
  EXPECT_EQ(s.model.kv_heads, 8);
  EXPECT_EQ(s.cluster.id, "1x8-h200");  // an unnamed inline cluster is named after its shape
  EXPECT_EQ(s.cluster.gpu.id, "h200");
  EXPECT_EQ(s.cluster.world_size(), 8);
  EXPECT_EQ(s.parallel.tp, 2);
  EXPECT_TRUE(s.parallel.sequence_parallel);
  EXPECT_EQ(s.parallel.pp, 2);
  EXPECT_EQ(s.parallel.dp, 2);
  EXPECT_EQ(s.parallel.num_micro_batches, 8);
  EXPECT_TRUE(s.parallel.distributed_optimizer);
  EXPECT_EQ(s.workload.kind, "fixed_length");
  EXPECT_EQ(s.workload.seq_len, 8192);
  EXPECT_EQ(s.strategy.schedule, "1f1b");
  EXPECT_EQ(s.strategy.recompute, "selective");
  EXPECT_EQ(s.sim.granularity, "layer");
}

TEST(ScenarioLoader, MinimalScenarioTakesDefaults) {
  const Scenario s = load(R"({"model": "qwen2.5-7b", "cluster": "h200-1node",
                              "workload": {"kind": "fixed_length", "seq_len": 32768}})");
  EXPECT_EQ(s.name, "base");  // from the origin's file name
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.parallel.world_size(), 1);
  EXPECT_EQ(s.strategy.name, "megatron");
  EXPECT_EQ(s.sim.communication, "network");
  EXPECT_EQ(s.cluster.id, "h200-1node");
}

TEST(ScenarioLoader, InlineModelAndHardware) {
  const std::string text = R"({
    "model": {"layers": 4, "hidden": 1024, "heads": 16, "kv_heads": 4, "head_dim": 64,
              "ffn_hidden": 4096, "vocab": 32000, "max_context": 4096},
    "cluster": {"hardware": {"id": "toy", "peak_bf16_flops": 1e14, "peak_fp16_flops": 1e14, "peak_fp8_flops": 0,
                             "peak_fp32_flops": 1e13, "hbm_bytes": 16e9, "hbm_bandwidth_bytes_per_s": 1e12,
                             "nvlink_bandwidth_bytes_per_s": 0, "nvlink_latency_s": 0,
                             "pcie_bandwidth_bytes_per_s": 16e9, "pcie_latency_s": 2e-6,
                             "nic_bandwidth_bytes_per_s": 12.5e9, "nic_latency_s": 3e-6,
                             "host_memory_bytes": 0, "host_memory_bandwidth_bytes_per_s": 0,
                             "kernel_launch_latency_s": 5e-6},
                "nodes": 2, "gpus_per_node": 4, "fabric": "pcie", "nics_per_node": 1},
    "parallel": {"tp": 4, "dp": 2},
    "workload": {"kind": "fixed_length", "seq_len": 2048}})";
  const Scenario s = load(text);
  EXPECT_EQ(s.model.id, "inline");
  EXPECT_EQ(s.model.dtype, DType::bf16);
  EXPECT_TRUE(s.model.gated_mlp);
  EXPECT_EQ(s.cluster.gpu.id, "toy");
  EXPECT_EQ(s.cluster.fabric, IntraNodeFabric::pcie);
  EXPECT_EQ(s.cluster.id, "2x4-toy");
  // A PCIe-only GPU cannot sit on an NVSwitch fabric.
  expect_input_error([&] { load(replace_once(text, R"("fabric": "pcie")", R"("fabric": "nvswitch")")); },
                     {"base.json: $.cluster.fabric: 'nvswitch' needs a GPU with nvlink_bandwidth_bytes_per_s > 0"});
}

TEST(ScenarioLoader, MalformedJsonHasLineAndColumn) {
  const std::string text = replace_once(kBaseScenario, R"("seed": 7,)", R"("seed": 7)");
  expect_input_error([&] { load(text); }, {"base.json:5:", "malformed JSON: "});
}

TEST(ScenarioLoader, UnknownKeyHasJsonPath) {
  expect_input_error(
      [] { load(replace_once(kBaseScenario, R"("tp": 2)", R"("tpp": 2)")); },
      {"base.json: unknown key 'tpp' at $.parallel (allowed: tp, sequence_parallel, pp,", "did you mean 'tp'?"});
  expect_input_error([] { load(replace_once(kBaseScenario, R"("seed": 7)", R"("seeed": 7)")); },
                     {"unknown key 'seeed' at $ (allowed: name"});
  expect_input_error([] { load(replace_once(kBaseScenario, R"("nodes": 1)", R"("nodes": 1, "gpus": 8)")); },
                     {"unknown key 'gpus' at $.cluster"});
}

TEST(ScenarioLoader, TpMustDivideHeads) {
  // Qwen2.5-7B has 28 attention heads.
  const std::string text = replace_once(
      replace_once(kBaseScenario, R"("model": "llama3-8b")", R"("model": "qwen2.5-7b")"), R"("tp": 2)", R"("tp": 8)");
  expect_input_error(
      [&] {
        load(text, {parse_override("parallel.pp=1"), parse_override("parallel.dp=1")});
      },
      {"base.json: $.parallel: tp=8 does not divide the attention heads of qwen2.5-7b (28)"});
}

TEST(ScenarioLoader, TpMustDivideKvHeads) {
  // 24 heads split over tp=4, but 6 KV heads neither divide by 4 nor divide 4.
  expect_input_error(
      [] {
        load(kBaseScenario, {parse_override("model.heads=24"), parse_override("model.kv_heads=6"),
                             parse_override("parallel.tp=4"), parse_override("parallel.dp=1")});
      },
      {"base.json: $.parallel: tp=4 does not divide the KV heads of llama3-8b (6)"});
}

TEST(ScenarioLoader, PpMustDivideLayers) {
  expect_input_error(
      [] { load(replace_once(kBaseScenario, R"("pp": 2)", R"("pp": 3)"), {parse_override("parallel.dp=1")}); },
      {"base.json: $.parallel: pp*virtual_stages=3 does not divide the 32 layers of llama3-8b"});
}

TEST(ScenarioLoader, ClusterMustHoldTheProcessGrid) {
  expect_input_error([] { load(replace_once(kBaseScenario, R"("dp": 2)", R"("dp": 4)")); },
                     {"base.json: $.parallel: tp*pp*dp*cp=16 GPUs do not fit the cluster's 8"});
  expect_input_error([] { load(kBaseScenario, {parse_override("parallel.cp=2")}); }, {"tp*pp*dp*cp=16 GPUs"});
}

TEST(ScenarioLoader, MissingIdsListTheKnownOnes) {
  expect_input_error([] { load(replace_once(kBaseScenario, R"("llama3-8b")", R"("llama9")")); },
                     {"base.json: $.model: unknown model id 'llama9' (known: ", "llama3-8b", "qwen2.5-72b"});
  expect_input_error([] { load(replace_once(kBaseScenario, R"("h200")", R"("b300")")); },
                     {"base.json: $.cluster.hardware: unknown hardware id 'b300' (known: a100-80gb, cpu-reference, h100,"});
  expect_input_error(
      [] {
        load(R"({"model": "llama3-8b", "cluster": "h200-9node", "workload": {"kind": "fixed_length", "seq_len": 8}})");
      },
      {"base.json: $.cluster: unknown cluster id 'h200-9node' (known: ", "h200-1node"});
  expect_input_error([] { load(replace_once(kBaseScenario, R"("llama3-8b")", R"("./nowhere/m.json")")); },
                     {"base.json: $.model: model file", "not found"});
}

TEST(ScenarioLoader, WrongTypesNameThePath) {
  expect_input_error([] { load(replace_once(kBaseScenario, R"("tp": 2)", R"("tp": "2")")); },
                     {"base.json: $.parallel.tp: expected an integer, got string \"2\""});
  expect_input_error(
      [] { load(replace_once(kBaseScenario, R"("sequence_parallel": true)", R"("sequence_parallel": 1)")); },
      {"$.parallel.sequence_parallel: expected true or false, got 1"});
  expect_input_error([] { load(replace_once(kBaseScenario, R"("model": "llama3-8b")", R"("model": 8)")); },
                     {"base.json: $.model: expected a model id or an object, got 8"});
  expect_input_error([] { load("[1, 2]"); }, {"base.json: $: expected an object, got an array"});
}

TEST(ScenarioLoader, NegativeAndZeroNumbersAreRejected) {
  expect_input_error([] { load(replace_once(kBaseScenario, R"("seq_len": 8192)", R"("seq_len": -8192)")); },
                     {"base.json: $.workload.seq_len: must be positive (got -8192)"});
  expect_input_error([] { load(kBaseScenario, {parse_override("model.layers=-4")}); },
                     {"base.json: $.model.layers: must be positive (got -4)"});
  expect_input_error([] { load(replace_once(kBaseScenario, R"("nodes": 1)", R"("nodes": 0)")); },
                     {"$.cluster.nodes: must be positive (got 0)"});
  expect_input_error(
      [] { load(replace_once(kBaseScenario, R"("oversubscription": 1.0)", R"("oversubscription": 0.5)")); },
      {"$.cluster.oversubscription: must be at least 1 (got 0.5)"});
  expect_input_error([] { load(kBaseScenario, {parse_override("cluster.hardware.hbm_bytes=-1")}); },
                     {"$.cluster.hardware.hbm_bytes: must be positive (got -1)"});
}

TEST(ScenarioLoader, EnumsListTheAllowedValues) {
  expect_input_error([] { load(replace_once(kBaseScenario, R"("schedule": "1f1b")", R"("schedule": "zigzag")")); },
                     {"base.json: $.strategy.schedule: 'zigzag' is not one of: 1f1b, gpipe, interleaved_1f1b"});
  expect_input_error([] { load(replace_once(kBaseScenario, R"("topology": "fat_tree")", R"("topology": "torus")")); },
                     {"$.cluster.topology: 'torus' is not one of: fat_tree, rail_optimized"});
}

TEST(ScenarioLoader, MissingRequiredSections) {
  expect_input_error([] { load(R"({"model": "llama3-8b", "cluster": "h200-1node"})"); },
                     {"base.json: $: missing required key 'workload'"});
  expect_input_error([] { load(R"({"cluster": "h200-1node", "workload": {"kind": "fixed_length", "seq_len": 8}})"); },
                     {"base.json: $: missing required key 'model'"});
}

TEST(ScenarioLoader, ModelShapeRules) {
  expect_input_error([] { load(kBaseScenario, {parse_override("model.kv_heads=5")}); },
                     {"$.model.kv_heads: 5 KV heads do not divide the 32 attention heads"});
}

TEST(ScenarioLoader, ScheduleAndParallelismAgree) {
  expect_input_error([] { load(kBaseScenario, {parse_override("parallel.virtual_stages=2")}); },
                     {"$.parallel.virtual_stages: virtual_stages > 1 needs strategy.schedule 'interleaved_1f1b'"});
  expect_input_error([] { load(kBaseScenario, {parse_override("strategy.schedule=interleaved_1f1b")}); },
                     {"$.strategy.schedule: 'interleaved_1f1b' needs parallel.virtual_stages >= 2"});
  const Scenario s = load(kBaseScenario, {parse_override("strategy.schedule=interleaved_1f1b"),
                                          parse_override("parallel.virtual_stages=2")});
  EXPECT_EQ(s.parallel.virtual_stages, 2);
  expect_input_error(
      [] {
        load(kBaseScenario, {parse_override("parallel.cp=2"), parse_override("parallel.dp=1"),
                             parse_override("workload.seq_len=8190")});
      },
      {"$.workload.seq_len: 8190 is not divisible by 2*cp = 4"});
  expect_input_error([] { load(kBaseScenario, {parse_override("workload.seq_len=8191")}); },
                     {"$.workload.seq_len: 8191 is not divisible by tp*cp = 2"});
}

TEST(ScenarioLoader, VersionIsBakedIn) {
  EXPECT_FALSE(lcperf_version().empty());
  EXPECT_NE(lcperf_version().find('.'), std::string::npos);
}

}  // namespace
}  // namespace lcperf::core
