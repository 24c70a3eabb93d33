// `lcperf import-model`: a Hugging Face config.json printed as an lcperf model, the same
// model the catalogue holds, usable as a model file, and refusals with exit code 2.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

const std::string kLlamaConfig = LCPERF_SOURCE_DIR "/tests/core/hf_configs/llama3-8b/config.json";

TEST(CliImportModel, PrintsTheCatalogueShapesOfALlamaConfig) {
  const Invocation run = run_lcperf({"import-model", kLlamaConfig});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json imported = nlohmann::json::parse(run.out);
  const nlohmann::json catalogue = nlohmann::json::parse(read_file(LCPERF_SOURCE_DIR "/scenarios/models/llama3-8b.json"));
  for (const char* key : {"layers", "hidden", "heads", "kv_heads", "head_dim", "ffn_hidden", "vocab", "gated_mlp",
                          "tied_embeddings", "qkv_bias", "layernorm_bias", "max_context", "dtype"}) {
    EXPECT_EQ(imported.at(key), catalogue.at(key)) << key;
  }
  EXPECT_EQ(imported.at("id"), "llama3-8b");
}

TEST(CliImportModel, TheWrittenFileIsAModelScenariosCanName) {
  const ScratchDir dir;
  const Invocation run = run_lcperf({"import-model", kLlamaConfig, "--id", "my-llama", "--out", (dir / "my-llama.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "");
  nlohmann::json scenario = valid_scenario();
  scenario["model"] = "my-llama.json";
  write_file(dir / "s.json", scenario.dump());
  const Invocation sim = run_lcperf({"simulate", (dir / "s.json").string(), "--out", (dir / "out").string(), "--quiet"});
  EXPECT_EQ(sim.exit_code, 0) << sim.err;
  EXPECT_EQ(nlohmann::json::parse(read_file(dir / "out" / "result.json")).at("model").at("id"), "my-llama");
}

TEST(CliImportModel, RefusalsExitTwoNamingTheKey) {
  const ScratchDir dir;
  nlohmann::json config = nlohmann::json::parse(read_file(kLlamaConfig));
  config["num_local_experts"] = 8;
  write_file(dir / "config.json", config.dump());
  const Invocation moe = run_lcperf({"import-model", (dir / "config.json").string()});
  EXPECT_EQ(moe.exit_code, 2);
  EXPECT_NE(moe.err.find("$.num_local_experts"), std::string::npos) << moe.err;
  EXPECT_EQ(moe.out, "");
  const Invocation missing = run_lcperf({"import-model", (dir / "nothing.json").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nothing.json"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace lcperf::cli::testing
