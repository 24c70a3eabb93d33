// `lcperf calibrate` on a folder of measured tables (Vidur's layout) and
// `--derive-from`, through the real binary: a small copy of the shipped H100 tables
// calibrates into a profile that names its data and held-out family; bad tables exit 2
// naming file:line and the column.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

const fs::path kVidur = fs::path(LCPERF_SOURCE_DIR) / "cost_models" / "measured" / "vidur";

// Two model families of H100 tables (phi-2 and InternLM-20B), the H100 NCCL tables and
// the data's source.json.
void copy_small_vidur(const fs::path& to) {
  for (const char* model : {"compute/h100/microsoft/phi-2", "compute/h100/internlm/internlm-20b", "network/h100_dgx"}) {
    fs::create_directories(to / model);
    fs::copy(kVidur / model, to / model, fs::copy_options::recursive);
  }
  fs::copy_file(kVidur / "source.json", to / "source.json");
}

TEST(CliMeasuredCalibrate, FitsAFolderAndHoldsOutAFamily) {
  const ScratchDir dir;
  copy_small_vidur(dir / "vidur");
  const std::string out = (dir / "h100.json").string();
  const Invocation run = run_lcperf({"calibrate", (dir / "vidur").string(), "--gpu", "h100", "--base", "h100",
                                     "--hold-out-family", "microsoft", "--date", "2026-01-05", "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("held med"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("all_reduce"), std::string::npos) << run.out;
  const nlohmann::json profile = nlohmann::json::parse(read_file(out));
  const nlohmann::json& provenance = profile.at("provenance");
  EXPECT_EQ(provenance.at("source"), "measured");
  EXPECT_EQ(provenance.at("date"), "2026-01-05");
  EXPECT_EQ(provenance.at("data").at("commit"), "7d47513363ec447a741ac5e47241580b47724fbf");
  EXPECT_EQ(provenance.at("data").at("network"), "h100_dgx");
  EXPECT_EQ(provenance.at("held_out").at("family"), "microsoft");
  EXPECT_EQ(provenance.at("held_out").at("errors").at("gemm").at("rows"), 261 * 4);
  EXPECT_FALSE(profile.at("elementwise").at("table").empty());

  // The measured profile derives another GPU's.
  const std::string derived = (dir / "h200.json").string();
  const Invocation derive = run_lcperf({"calibrate", "--derive-from", out, "--hardware", "h200", "--base", "h200",
                                        "--date", "2026-01-06", "--out", derived});
  ASSERT_EQ(derive.exit_code, 0) << derive.err;
  EXPECT_NE(derive.out.find("hbm_bandwidth 1.43"), std::string::npos) << derive.out;
  const nlohmann::json h200 = nlohmann::json::parse(read_file(derived));
  EXPECT_EQ(h200.at("hardware"), "h200");
  EXPECT_EQ(h200.at("provenance").at("source"), "derived");
  EXPECT_EQ(h200.at("provenance").at("derived_from").at("device"), "h100");
  EXPECT_EQ(h200.at("gemm"), profile.at("gemm"));
}

TEST(CliMeasuredCalibrate, BadTablesExitTwoNamingFileLineAndColumn) {
  const ScratchDir dir;
  copy_small_vidur(dir / "vidur");
  const fs::path table = dir / "vidur" / "compute" / "h100" / "microsoft" / "phi-2" / "mlp.csv";
  const std::string good = read_file(table);
  std::string text = good;
  // Line 3, the add median (the 44th column: 8 ops before it, 5 statistics each, then
  // min, max, mean, median).
  std::size_t at = text.find('\n', text.find('\n') + 1) + 1;
  for (int comma = 0; comma < 43; ++comma) at = text.find(',', at) + 1;
  text.replace(at, text.find(',', at) - at, "fast");
  write_file(table, text);
  const std::string out = (dir / "x.json").string();
  const Invocation bad = run_lcperf({"calibrate", (dir / "vidur").string(), "--gpu", "h100", "--base", "h100",
                                     "--hold-out-family", "microsoft", "--out", out});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(table.string() + ":3: column 'time_stats.add.median': 'fast' is not a finite number"),
            std::string::npos)
      << bad.err;
  EXPECT_FALSE(fs::exists(out));
  write_file(table, good);

  const Invocation no_gpu = run_lcperf({"calibrate", (dir / "vidur").string(), "--base", "h100", "--out", out});
  EXPECT_EQ(no_gpu.exit_code, 2);
  EXPECT_NE(no_gpu.err.find("needs --gpu (compute/ holds: h100)"), std::string::npos) << no_gpu.err;

  const Invocation family = run_lcperf({"calibrate", (dir / "vidur").string(), "--gpu", "h100", "--base", "h100",
                                        "--hold-out-family", "gpt", "--out", out});
  EXPECT_EQ(family.exit_code, 2);
  EXPECT_NE(family.err.find("held-out family 'gpt' is not in"), std::string::npos) << family.err;

  const Invocation not_vidur = run_lcperf({"calibrate", dir.path().string(), "--gpu", "h100", "--base", "h100", "--out", out});
  EXPECT_EQ(not_vidur.exit_code, 2);
  EXPECT_NE(not_vidur.err.find("has compute/ or network/ subfolders"), std::string::npos) << not_vidur.err;
}

}  // namespace
}  // namespace lcperf::cli::testing
