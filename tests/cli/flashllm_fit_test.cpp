// Flash-LLM's second claim, checked by the simulator's memory tracker: OPT-175B needs 8
// A100-80GB dense (350 GB of fp16 weights), and with 80% unstructured sparsity in the
// Tiled-CSL format it runs on 4. The serving engine holds each GPU's weights as a tensor
// for the whole run, so the tracked peak per GPU is weights + KV cache.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/exit_codes.hpp"
#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli {
namespace {

using nlohmann::json;
using testing::read_file;
using testing::run_lcperf;
using testing::ScratchDir;

constexpr double kOpt175bParams = 175e9;  // published size (OPT paper, Table 1)
constexpr double kA100HbmBytes = 80e9;
const char* kDense = R"(serving.weight_sparsity={"qkv":0,"out":0,"mlp_up":0,"mlp_down":0})";

struct Served {
  testing::Invocation run;
  json result;
};

Served serve_opt175b(const ScratchDir& dir, int tp, bool dense) {
  std::vector<std::string> args = {"simulate", LCPERF_SOURCE_DIR "/scenarios/flashllm/opt-66b-a100-tp2-sparse80.json",
                                   "--set", "model=opt-175b", "--set", "parallel.tp=" + std::to_string(tp),
                                   "--set", "workload.max_requests=16", "--quiet", "--out",
                                   (dir / ("tp" + std::to_string(tp) + (dense ? "dense" : "sparse"))).string()};
  if (dense) {
    args.push_back("--set");
    args.push_back(kDense);
  }
  Served s;
  s.run = run_lcperf(args);
  if (s.run.exit_code == core::kExitSuccess) {
    s.result = json::parse(read_file(dir / ("tp" + std::to_string(tp) + (dense ? "dense" : "sparse")) / "result.json"));
  }
  return s;
}

TEST(FlashLlmFit, Opt175bNeedsEightGpusDenseAndFitsOnFourSparse) {
  const ScratchDir dir;

  const Served dense8 = serve_opt175b(dir, 8, true);
  ASSERT_EQ(dense8.run.exit_code, core::kExitSuccess) << dense8.run.err;
  EXPECT_FALSE(dense8.result.at("oom").get<bool>());
  const double dense_weights = dense8.result.at("peak_weight_bytes").get<double>();
  EXPECT_NEAR(dense_weights * 8, 2 * kOpt175bParams, 0.02 * 2 * kOpt175bParams);  // fp16, split 8 ways
  EXPECT_LE(dense8.result.at("peak_memory_bytes").get<double>(), kA100HbmBytes);
  EXPECT_GT(dense8.result.at("peak_memory_bytes").get<double>(), dense_weights);  // KV on top
  EXPECT_EQ(dense8.result.at("completed").get<int>(), 16);

  // Dense on 4: 87.5 GB of weights per GPU do not fit 80 GB; refused before simulating.
  const Served dense4 = serve_opt175b(dir, 4, true);
  EXPECT_EQ(dense4.run.exit_code, core::kExitBadInput);
  EXPECT_NE(dense4.run.err.find("do not fit"), std::string::npos) << dense4.run.err;

  // 80% sparse on 4: the tracker's peak (compressed weights + KV) fits, nothing OOMs,
  // every request completes.
  const Served sparse4 = serve_opt175b(dir, 4, false);
  ASSERT_EQ(sparse4.run.exit_code, core::kExitSuccess) << sparse4.run.err;
  EXPECT_FALSE(sparse4.result.at("oom").get<bool>());
  const double sparse_weights = sparse4.result.at("peak_weight_bytes").get<double>();
  EXPECT_LT(sparse_weights * 4, 0.5 * 2 * kOpt175bParams);  // Tiled-CSL at 80%: under half the dense bytes
  EXPECT_LE(sparse4.result.at("peak_memory_bytes").get<double>(), kA100HbmBytes);
  EXPECT_GT(sparse4.result.at("peak_memory_bytes").get<double>(), sparse_weights);
  EXPECT_EQ(sparse4.result.at("completed").get<int>(), 16);
}

}  // namespace
}  // namespace lcperf::cli
