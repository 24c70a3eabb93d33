#pragma once
// Shared pieces of the core tests: a valid base scenario and an InputError matcher.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "core/errors.hpp"
#include "tests/support/scenario_option_names.hpp"

namespace lcperf::test {

// Llama-3-8B on one node of 8 H200, tp2 x pp2 x dp2. The cluster is spelled out inline
// (the same shape as scenarios/clusters/h200-1node.json) so every field is exercised.
inline const std::string kBaseScenario = R"({
  "name": "base",
  "description": "llama3-8b on one 8x H200 node",
  "seed": 7,
  "kind": "training",
  "model": "llama3-8b",
  "cluster": {
    "hardware": "h200",
    "nodes": 1,
    "gpus_per_node": 8,
    "fabric": "nvswitch",
    "nics_per_node": 8,
    "topology": "fat_tree",
    "oversubscription": 1.0,
    "switch_latency_s": 1e-6
  },
  "parallel": {
    "tp": 2,
    "sequence_parallel": true,
    "pp": 2,
    "virtual_stages": 1,
    "dp": 2,
    "cp": 1,
    "micro_batch_size": 1,
    "num_micro_batches": 8,
    "distributed_optimizer": true
  },
  "workload": {"kind": "fixed_length", "seq_len": 8192},
  "strategy": {"name": "megatron", "schedule": "1f1b", "recompute": "selective"},
  "sim": {"granularity": "layer", "communication": "network", "device_profile": ""}
})";

// Origin used for inline texts: not an existing file, so ids resolve against the
// source tree's scenarios/ folder.
inline const std::string kOrigin = "base.json";

inline std::string source_scenarios_dir() { return std::string(LCPERF_SOURCE_DIR) + "/scenarios"; }

// Replaces the first occurrence of `from` (which must exist) in `text`.
inline std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in the text";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Runs `action`, which must throw InputError whose message contains every fragment.
template <typename Action>
void expect_input_error(Action&& action, std::initializer_list<std::string> fragments) {
  try {
    action();
    ADD_FAILURE() << "expected an InputError";
  } catch (const core::InputError& error) {
    const std::string message = error.what();
    for (const std::string& fragment : fragments) {
      EXPECT_NE(message.find(fragment), std::string::npos) << "message: " << message << "\nmissing: " << fragment;
    }
  }
}

}  // namespace lcperf::test
