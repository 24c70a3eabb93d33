// Hugging Face config.json import (core/hf_config.hpp): the configs in hf_configs/ were
// written for these tests with the published shapes of each model. Expectations are the
// catalogue's hand-written model files and the parameter counts the model cards publish.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/atomic_file.hpp"
#include "core/hf_config.hpp"
#include "core/model_spec.hpp"
#include "core/scenario.hpp"
#include "core/strict_json.hpp"
#include "scenario_test_support.hpp"

namespace lcperf::core {
namespace {

std::string config(const std::string& name) {
  return std::string(LCPERF_SOURCE_DIR) + "/tests/core/hf_configs/" + name + "/config.json";
}

ModelSpec imported(const std::string& name) { return load_model("hf:" + config(name)); }

// Everything that decides a layer's ops and the parameter count.
void expect_same_layers(const ModelSpec& a, const ModelSpec& b) {
  EXPECT_EQ(a.layers, b.layers);
  EXPECT_EQ(a.hidden, b.hidden);
  EXPECT_EQ(a.heads, b.heads);
  EXPECT_EQ(a.kv_heads, b.kv_heads);
  EXPECT_EQ(a.head_dim, b.head_dim);
  EXPECT_EQ(a.ffn_hidden, b.ffn_hidden);
  EXPECT_EQ(a.vocab, b.vocab);
  EXPECT_EQ(a.gated_mlp, b.gated_mlp);
  EXPECT_EQ(a.tied_embeddings, b.tied_embeddings);
  EXPECT_EQ(a.qkv_bias, b.qkv_bias);
  EXPECT_EQ(a.layernorm_bias, b.layernorm_bias);
  EXPECT_EQ(a.dtype, b.dtype);
  EXPECT_EQ(a.total_params(), b.total_params());
  EXPECT_EQ(a.kv_bytes_per_token(), b.kv_bytes_per_token());
}

TEST(HfConfig, Llama3ConfigGivesTheCatalogueModel) {
  const ModelSpec hf = imported("llama3-8b");
  expect_same_layers(hf, load_model("llama3-8b"));
  EXPECT_EQ(hf.max_context, 8192);
  EXPECT_EQ(hf.id, "llama3-8b");  // the config's folder name
}

TEST(HfConfig, Qwen2ConfigGivesTheCatalogueModel) {
  const ModelSpec hf = imported("qwen2.5-7b");
  expect_same_layers(hf, load_model("qwen2.5-7b"));
  EXPECT_TRUE(hf.qkv_bias);  // Qwen2 projections carry q/k/v biases without a config key
  // The config states the YaRN-extended 131072 positions; the catalogue file keeps the
  // native 32768 (its source note says why), so only the shapes are compared above.
  EXPECT_EQ(hf.max_context, 131072);
}

// Published parameter counts (model cards), computed by ModelSpec from the imported
// shapes; GPT-2 and OPT add their learned position tables, which ModelSpec does not count.
TEST(HfConfig, ImportedShapesGiveThePublishedParameterCounts) {
  EXPECT_EQ(imported("qwen2.5-0.5b").total_params(), 494032768);  // tied embeddings
  EXPECT_EQ(imported("mistral-7b-v0.3").total_params(), 7248023552);
  EXPECT_EQ(imported("pythia-160m").total_params(), 162322944);
  const ModelSpec gpt2 = imported("gpt2");
  EXPECT_EQ(gpt2.total_params() + 1024 * 768, 124439808);
  const ModelSpec opt = imported("opt-125m");
  EXPECT_EQ(opt.total_params() + 2050 * 768, 125239296);  // OPT's table has 2 offset rows
}

TEST(HfConfig, FamilyFlagsFollowTheArchitectures) {
  const ModelSpec gpt2 = imported("gpt2");
  EXPECT_FALSE(gpt2.gated_mlp);
  EXPECT_TRUE(gpt2.tied_embeddings);  // GPT-2 ties by default (no key in its config)
  EXPECT_TRUE(gpt2.layernorm_bias);
  EXPECT_EQ(gpt2.ffn_hidden, 4 * 768);  // n_inner absent: 4 x n_embd
  EXPECT_EQ(gpt2.dtype, DType::bf16);   // no torch_dtype: the lcperf default
  const ModelSpec pythia = imported("pythia-160m");
  EXPECT_FALSE(pythia.tied_embeddings);
  EXPECT_EQ(pythia.dtype, DType::fp16);
  EXPECT_EQ(pythia.kv_heads, pythia.heads);
  const ModelSpec mistral = imported("mistral-7b-v0.3");
  EXPECT_EQ(mistral.kv_heads, 8);
  EXPECT_FALSE(mistral.qkv_bias);
}

// A scenario file next to a folder holding the config, as a user would lay them out.
std::string scenario_beside_config() {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(testing::TempDir()) / "hf-import-scenario";
  fs::create_directories(dir / "llama");
  fs::copy_file(config("llama3-8b"), dir / "llama" / "config.json", fs::copy_options::overwrite_existing);
  const std::string text = test::replace_once(test::kBaseScenario, "\"model\": \"llama3-8b\"",
                                              "\"model\": \"hf:llama/config.json\"");
  write_file_atomically((dir / "scenario.json").string(), text);
  return (dir / "scenario.json").string();
}

TEST(HfConfig, AScenarioNamesAConfigRelativeToItself) {
  const Scenario s = load_scenario(scenario_beside_config());
  expect_same_layers(s.model, load_model("llama3-8b"));
  EXPECT_EQ(s.model.id, "llama");
}

TEST(HfConfig, OverridesReachIntoAnImportedModel) {
  const Scenario s = load_scenario(scenario_beside_config(), {{"model.layers", "8"}});
  EXPECT_EQ(s.model.layers, 8);
}

TEST(HfConfig, WhatLcperfCannotModelIsRefusedByName) {
  test::expect_input_error([] { imported("mistral-7b-v0.1"); },
                           {"mistral-7b-v0.1/config.json", "$.sliding_window", "4096", "not modelled"});
  test::expect_input_error([] { imported("mixtral"); }, {"$.num_local_experts", "mixture-of-experts"});
}

nlohmann::json llama_with(const std::string& key, const nlohmann::json& value) {
  nlohmann::json c = read_json_file(config("llama3-8b"));
  if (value.is_null()) {
    c.erase(key);
  } else {
    c[key] = value;
  }
  return c;
}

TEST(HfConfig, BadConfigsNameTheKeyAndTheRule) {
  test::expect_input_error([] { model_from_hf_config(llama_with("model_type", "t5"), "c.json"); },
                           {"c.json: $.model_type", "unsupported model_type 't5'", "llama, mistral, qwen2"});
  test::expect_input_error([] { model_from_hf_config(llama_with("hidden_size", nullptr), "c.json"); },
                           {"c.json: $.hidden_size", "missing"});
  test::expect_input_error([] { model_from_hf_config(llama_with("num_hidden_layers", -3), "c.json"); },
                           {"$.num_hidden_layers", "must be positive"});
  test::expect_input_error([] { model_from_hf_config(llama_with("vocab_size", "big"), "c.json"); },
                           {"$.vocab_size", "expected a positive integer"});
  test::expect_input_error([] { model_from_hf_config(llama_with("num_key_value_heads", 5), "c.json"); },
                           {"$.num_key_value_heads", "do not divide"});
  test::expect_input_error([] { model_from_hf_config(llama_with("hidden_act", "gelu"), "c.json"); },
                           {"$.hidden_act", "SiLU"});
  test::expect_input_error([] { model_from_hf_config(llama_with("mlp_bias", true), "c.json"); },
                           {"$.mlp_bias", "not modelled"});
  test::expect_input_error([] { model_from_hf_config(llama_with("frobnicate", 1), "c.json"); },
                           {"c.json: $", "'frobnicate'", "llama config"});
  test::expect_input_error([] { model_from_hf_config(llama_with("torch_dtype", "int8"), "c.json"); },
                           {"$.torch_dtype", "int8"});
  test::expect_input_error([] { model_from_hf_config(nlohmann::json::array(), "c.json"); }, {"c.json: $", "object"});
  test::expect_input_error([] { load_model("hf:no/such/config.json"); }, {"no/such/config.json", "not found"});
}

TEST(HfConfig, TheIdComesFromTheFolderOrIsGiven) {
  EXPECT_EQ(read_hf_model(config("gpt2"))["id"], "gpt2");
  EXPECT_EQ(read_hf_model(config("gpt2"), "my-gpt")["id"], "my-gpt");
  EXPECT_EQ(model_from_hf_config(read_json_file(config("gpt2")), "dir/gpt2-small.json")["id"], "gpt2-small");
}

}  // namespace
}  // namespace lcperf::core
