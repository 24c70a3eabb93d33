// Every bundled model file loads, and its shapes give the published parameter count.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>

#include "core/model_spec.hpp"
#include "core/scenario.hpp"
#include "scenario_test_support.hpp"

namespace lcperf::core {
namespace {

namespace fs = std::filesystem;

// Sizes from the model cards / papers. ModelSpec counts no positional embeddings, which
// only OPT has (learned, 2048 x hidden: 0.01% of OPT-175B).
const std::map<std::string, double>& published_params() {
  static const std::map<std::string, double> sizes = {
      {"qwen2.5-7b", 7.61e9},
      {"qwen2.5-14b", 14.7e9},
      {"qwen2.5-32b", 32.5e9},
      {"qwen2.5-72b", 72.7e9},
      {"qwen2.5-7b-instruct-1m", 7.61e9},
      {"qwen2.5-14b-instruct-1m", 14.7e9},
      {"llama3-8b", 8.03e9},
      {"llama3-70b", 70.6e9},
      {"llama2-13b", 13.0e9},
      {"llama2-70b", 69.0e9},
      {"opt-30b", 30e9},
      {"opt-66b", 66e9},
      {"opt-175b", 175e9},
      {"gpt-1t", 1008e9},  // Megatron-LM (Narayanan et al. 2021), Table 1: 1008 billion
  };
  return sizes;
}

TEST(ModelFiles, EveryFileLoadsAndMatchesItsPublishedSize) {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(test::source_scenarios_dir() + "/models")) {
    const std::string id = entry.path().stem().string();
    SCOPED_TRACE(id);
    const ModelSpec model = load_model(id);
    EXPECT_EQ(model.id, id);
    const auto published = published_params().find(id);
    ASSERT_NE(published, published_params().end()) << "add the published size of " << id << " to this test";
    const double ratio = static_cast<double>(model.total_params()) / published->second;
    EXPECT_NEAR(ratio, 1.0, 0.03) << model.total_params() << " parameters";
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(published_params().size()));
}

TEST(ModelFiles, ArchitectureFlagsFollowTheFamilies) {
  for (const char* id : {"qwen2.5-7b", "qwen2.5-72b", "qwen2.5-7b-instruct-1m"}) {
    const ModelSpec qwen = load_model(id);
    EXPECT_TRUE(qwen.qkv_bias) << id;
    EXPECT_TRUE(qwen.gated_mlp) << id;
    EXPECT_FALSE(qwen.tied_embeddings) << id;  // only the Qwen2.5 models below 7B tie
    EXPECT_FALSE(qwen.layernorm_bias) << id;
    EXPECT_EQ(qwen.dtype, DType::bf16) << id;
  }
  const ModelSpec llama = load_model("llama3-8b");
  EXPECT_FALSE(llama.qkv_bias);
  EXPECT_EQ(llama.vocab, 128256);
  const ModelSpec opt = load_model("opt-175b");
  EXPECT_FALSE(opt.gated_mlp);
  EXPECT_TRUE(opt.tied_embeddings);
  EXPECT_TRUE(opt.layernorm_bias);
  EXPECT_EQ(opt.ffn_hidden, 4 * opt.hidden);
  EXPECT_EQ(opt.dtype, DType::fp16);
}

TEST(ModelFiles, LongContextModelsMatchTheQwen1MReport) {
  // qwen2.5-1m.md section 1.5: 56 KiB and 192 KiB of bf16 KV cache per token.
  EXPECT_EQ(load_model("qwen2.5-7b-instruct-1m").kv_bytes_per_token(), 56 * 1024);
  EXPECT_EQ(load_model("qwen2.5-14b-instruct-1m").kv_bytes_per_token(), 192 * 1024);
  EXPECT_EQ(load_model("qwen2.5-7b-instruct-1m").max_context, 1010000);
}

TEST(ModelFiles, LoadsByPath) {
  const ModelSpec model = load_model(test::source_scenarios_dir() + "/models/llama3-70b.json");
  EXPECT_EQ(model.id, "llama3-70b");
  EXPECT_EQ(model.layers, 80);
}

TEST(ModelFiles, UnknownIdListsTheKnownOnes) {
  test::expect_input_error([] { load_model("llama9-1t"); },
                           {"unknown model id 'llama9-1t'", "known: ", "llama3-8b", "qwen2.5-72b"});
  test::expect_input_error([] { load_model("/nonexistent/model.json"); }, {"model file", "not found"});
}

}  // namespace
}  // namespace lcperf::core
