// Bad input never crashes: truncated and byte-mutated scenarios either load or throw
// InputError. Deterministic (fixed seed) so a failure reproduces.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/scenario.hpp"
#include "scenario_test_support.hpp"

namespace lcperf::core {
namespace {

// The base scenario with everything inline, so the model and hardware parsers are
// mutated too (the id-based base only reaches them through ids).
const std::string kInlineScenario = R"({"name": "inline", "seed": 3,
  "model": {"id": "m", "layers": 8, "hidden": 1024, "heads": 16, "kv_heads": 4, "head_dim": 64,
            "ffn_hidden": 4096, "vocab": 32000, "gated_mlp": true, "tied_embeddings": false,
            "qkv_bias": false, "layernorm_bias": false, "max_context": 8192, "dtype": "bf16"},
  "cluster": {"hardware": {"id": "g", "peak_bf16_flops": 1e15, "peak_fp16_flops": 1e15, "peak_fp8_flops": 2e15,
                           "peak_fp32_flops": 6e13, "hbm_bytes": 8e10, "hbm_bandwidth_bytes_per_s": 3e12,
                           "nvlink_bandwidth_bytes_per_s": 4.5e11, "nvlink_latency_s": 1e-6,
                           "pcie_bandwidth_bytes_per_s": 6.4e10, "pcie_latency_s": 2e-6,
                           "nic_bandwidth_bytes_per_s": 5e10, "nic_latency_s": 2.5e-6, "host_memory_bytes": 2e12,
                           "host_memory_bandwidth_bytes_per_s": 6e11, "kernel_launch_latency_s": 4e-6},
              "nodes": 2, "gpus_per_node": 4, "fabric": "nvswitch", "nics_per_node": 4,
              "topology": "rail_optimized", "oversubscription": 2, "switch_latency_s": 1e-6},
  "parallel": {"tp": 4, "pp": 2, "virtual_stages": 2, "dp": 1, "cp": 1, "micro_batch_size": 1, "num_micro_batches": 4},
  "workload": {"kind": "fixed_length", "seq_len": 4096},
  "strategy": {"name": "megatron", "schedule": "interleaved_1f1b", "recompute": "full"},
  "sim": {"granularity": "stage", "communication": "free", "device_profile": "g"}})";

// Bytes that steer JSON parsing into interesting places, plus arbitrary ones.
char mutation_byte(std::mt19937_64& rng) {
  static const std::string interesting = "{}[]\":,.-+eE0123456789 \\tnulfasx\x01\x7f\xff\xc3";
  std::uniform_int_distribution<int> pick(0, 3);
  if (pick(rng) == 0) return static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
  return interesting[std::uniform_int_distribution<std::size_t>(0, interesting.size() - 1)(rng)];
}

std::string mutate(const std::string& text, std::mt19937_64& rng) {
  std::string out = text;
  const std::size_t at = std::uniform_int_distribution<std::size_t>(0, text.size() - 1)(rng);
  switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
    case 0: out[at] = mutation_byte(rng); break;            // replace
    case 1: out.erase(at, 1); break;                        // delete
    default: out.insert(at, 1, mutation_byte(rng)); break;  // insert
  }
  return out;
}

struct FuzzTally {
  int loaded = 0;
  int rejected = 0;
};

void load_or_reject(const std::string& text, FuzzTally& tally) {
  try {
    load_scenario_text(text, test::kOrigin);
    ++tally.loaded;
  } catch (const InputError&) {
    ++tally.rejected;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "non-InputError exception: " << e.what() << "\ninput:\n" << text;
  }
}

void fuzz(const std::string& base, std::uint64_t seed, int truncations, int mutations) {
  std::mt19937_64 rng(seed);
  FuzzTally tally;
  for (int i = 0; i < truncations; ++i) {
    load_or_reject(base.substr(0, std::uniform_int_distribution<std::size_t>(0, base.size() - 1)(rng)), tally);
  }
  for (int i = 0; i < mutations; ++i) load_or_reject(mutate(base, rng), tally);
  // Mutations inside whitespace or string values keep the scenario valid; most break it.
  EXPECT_GT(tally.loaded, 0);
  EXPECT_GT(tally.rejected, truncations);
}

TEST(ScenarioFuzz, BaseScenarioTruncationsAndByteMutations) {
  ASSERT_NO_THROW(load_scenario_text(test::kBaseScenario, test::kOrigin));
  fuzz(test::kBaseScenario, 20240601, 300, 700);
}

TEST(ScenarioFuzz, InlineScenarioTruncationsAndByteMutations) {
  ASSERT_NO_THROW(load_scenario_text(kInlineScenario, test::kOrigin));
  fuzz(kInlineScenario, 7, 300, 700);
}

TEST(ScenarioFuzz, RandomOverridesNeverCrash) {
  const std::vector<std::string> paths = {"parallel.tp",       "parallel.pp",
                                          "parallel.cp",       "parallel.virtual_stages",
                                          "model.heads",       "model.kv_heads",
                                          "model.layers",      "model",
                                          "cluster.nodes",     "cluster.hardware",
                                          "cluster",           "workload.seq_len",
                                          "strategy.schedule", "seed",
                                          "model.layers.x",    "parallel"};
  const std::vector<std::string> values = {
      "0",          "-1",    "1",           "3",  "7",     "1e300", "-0",         "2.5",
      "null",       "true",  "[]",          "{}", "\"x\"", "h100",  "llama3-70b", "99999999999999999999",
      "2147483648", "65536", "{\"tp\": 0}", ""};
  std::mt19937_64 rng(99);
  FuzzTally tally;
  for (int i = 0; i < 400; ++i) {
    std::vector<Override> overrides;
    const int count = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int k = 0; k < count; ++k) {
      overrides.push_back({paths[std::uniform_int_distribution<std::size_t>(0, paths.size() - 1)(rng)],
                           values[std::uniform_int_distribution<std::size_t>(0, values.size() - 1)(rng)]});
    }
    try {
      load_scenario_text(test::kBaseScenario, test::kOrigin, overrides);
      ++tally.loaded;
    } catch (const InputError&) {
      ++tally.rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "non-InputError exception: " << e.what() << " for " << overrides[0].path << "="
                    << overrides[0].value;
    }
  }
  EXPECT_GT(tally.rejected, 0);
}

}  // namespace
}  // namespace lcperf::core
