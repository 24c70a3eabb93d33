// `lcperf cost`: one op priced on one device, printed as JSON.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

nlohmann::json cost_json(const std::vector<std::string>& args) {
  const Invocation run = run_lcperf(args);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  return nlohmann::json::parse(run.out);
}

TEST(CliCost, DesignExampleGemm) {
  const nlohmann::json j =
      cost_json({"cost", "--device", "h200", "--op", R"({"op":"gemm","m":4096,"n":16,"k":9216,"dtype":"bf16"})"});
  EXPECT_GT(j.at("time_s").get<double>(), 0.0);
  EXPECT_EQ(j.at("flops").get<double>(), 2.0 * 4096 * 16 * 9216);
  EXPECT_GT(j.at("bytes").get<double>(), 0.0);
  EXPECT_EQ(j.at("model").get<std::string>().rfind("roofline:gemm:", 0), 0u) << j.dump();
  EXPECT_EQ(j.at("hardware"), "h200");
  EXPECT_FALSE(j.at("device").get<std::string>().empty());
  EXPECT_EQ(j.at("op").at("op"), "gemm");
  EXPECT_EQ(j.at("op").at("k"), 9216);
}

TEST(CliCost, SparseSpmmCountsDenseFlopsAndFewerBytes) {
  const std::string dims = R"("m":4096,"n":16,"k":9216,"dtype":"fp16")";
  const nlohmann::json spmm =
      cost_json({"cost", "--device", "h200", "--op", R"({"op":"spmm",)" + dims + R"(,"sparsity":0.8})"});
  EXPECT_GT(spmm.at("time_s").get<double>(), 0.0);
  EXPECT_EQ(spmm.at("flops").get<double>(), 2.0 * 4096 * 16 * 9216);
  EXPECT_EQ(spmm.at("model").get<std::string>().rfind("roofline:spmm:", 0), 0u) << spmm.dump();
  EXPECT_EQ(spmm.at("op").at("sparsity"), 0.8);
  // At n = 16 the op streams its weights: 80% sparse weights move fewer bytes than dense ones.
  const nlohmann::json gemm = cost_json({"cost", "--device", "h200", "--op", R"({"op":"gemm",)" + dims + "}"});
  EXPECT_LT(spmm.at("bytes").get<double>(), gemm.at("bytes").get<double>());
}

TEST(CliCost, OpFromFileAndDeviceFromFile) {
  const ScratchDir dir;
  const std::string op = R"({"op":"gemm","m":4096,"n":16,"k":9216,"dtype":"bf16"})";
  write_file(dir / "op.json", op);
  const std::string device = LCPERF_SOURCE_DIR "/cost_models/devices/h200.json";
  const Invocation inline_run = run_lcperf({"cost", "--device", "h200", "--op", op});
  const std::string op_file = (dir / "op.json").string();
  const Invocation file_run = run_lcperf({"cost", "--device", device, "--op", "@" + op_file});
  EXPECT_EQ(file_run.exit_code, 0) << file_run.err;
  EXPECT_EQ(file_run.out, inline_run.out);  // same answer, byte for byte
}

TEST(CliCost, CollectiveOp) {
  const nlohmann::json j = cost_json(
      {"cost", "--device", "h200", "--op", R"({"op":"collective","kind":"all_reduce","bytes":1e9,"ranks":8})"});
  EXPECT_GT(j.at("time_s").get<double>(), 0.0);
  EXPECT_EQ(j.at("model").get<std::string>().rfind("collective:", 0), 0u) << j.dump();
}

TEST(CliCost, BadOpsAndDevicesAreBadInput) {
  Invocation run = run_lcperf({"cost", "--device", "h200", "--op", "{\"op\": \"gemm\",\n \"m\": }"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err.rfind("lcperf: error: --op:2:7: malformed JSON", 0), 0u) << run.err;
  EXPECT_EQ(run.out, "");

  run = run_lcperf({"cost", "--device", "h200", "--op", R"({"op":"gemm","m":4096,"n":16,"k":9216,"mm":1})"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--op: unknown key 'mm' at $"), std::string::npos) << run.err;

  run = run_lcperf({"cost", "--device", "h200", "--op", R"({"op":"gemm","m":-1,"n":16,"k":9216})"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err.rfind("lcperf: error: --op: $: ", 0), 0u) << run.err;

  run = run_lcperf({"cost", "--device", "h2000", "--op", R"({"op":"memcpy","bytes":1024})"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("device profile \"h2000\" not found"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("h200"), std::string::npos) << run.err;

  run = run_lcperf({"cost", "--device", "h200", "--op", "@/nonexistent/op.json"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "lcperf: error: /nonexistent/op.json: cannot read file\n");
}

}  // namespace
}  // namespace lcperf::cli::testing
