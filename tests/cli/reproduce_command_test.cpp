// `lcperf reproduce`: the quick ChunkFlow study runs end to end through the real binary,
// writes a report with its tables and pictures, is byte-for-byte reproducible, and
// rejects unknown studies as bad input.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "core/exit_codes.hpp"
#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli {
namespace {

using testing::read_file;
using testing::run_lcperf;
using testing::ScratchDir;

TEST(ReproduceCommand, QuickChunkflowWritesTheReport) {
  const ScratchDir dir;
  const std::string out = (dir / "x.md").string();
  const testing::Invocation run = run_lcperf({"reproduce", "chunkflow", "--quick", "--out", out});
  ASSERT_EQ(run.exit_code, core::kExitSuccess) << run.err;
  EXPECT_NE(run.err.find("reproduce: [1/"), std::string::npos) << run.err;  // progress on stderr

  const std::string md = read_file(out);
  for (const char* heading :
       {"## Setup", "## Megatron-LM baseline vs ChunkFlow", "## Ablation: ChunkSize × K",
        "## Peak memory per chunk size: 32K vs 256K context", "## Timelines",
        "## Where the simulation agrees or disagrees with the paper", "## Known modelling gaps"}) {
    EXPECT_NE(md.find(heading), std::string::npos) << heading;
  }
  EXPECT_NE(md.find("`lcperf reproduce chunkflow --quick`"), std::string::npos);
  EXPECT_NE(md.find("| qwen2.5-7b | 256K |"), std::string::npos);
  EXPECT_NE(md.find("| 2K (paper) | 16 | 32K |"), std::string::npos);
  EXPECT_NE(md.find("| 32K | 1 | 32K |"), std::string::npos);
  EXPECT_NE(md.find("paper: up to 4.53×"), std::string::npos);
  // A speedup number in the comparison table, e.g. "**3.33×**".
  EXPECT_TRUE(std::regex_search(md, std::regex(R"(\*\*[0-9]+\.[0-9]{2}×\*\*)"))) << md;
  // Quick: only the 7B pairs.
  EXPECT_EQ(md.find("qwen2.5-72b"), std::string::npos);

  // The timelines are linked relative to the report and written next to it.
  for (const char* name : {"qwen2.5-7b-256k-megatron.svg", "qwen2.5-7b-256k-chunkflow.svg"}) {
    EXPECT_NE(md.find(std::string("](x/") + name + ")"), std::string::npos) << name;
    const std::string svg = read_file(dir / "x" / name);
    EXPECT_EQ(svg.rfind("<svg", 0), 0u) << name;
    EXPECT_NE(svg.find("</svg>"), std::string::npos) << name;
  }
}

TEST(ReproduceCommand, TwoRunsGiveIdenticalMarkdown) {
  const ScratchDir dir;
  std::filesystem::create_directories(dir / "a");
  std::filesystem::create_directories(dir / "b");
  const std::string a = (dir / "a" / "x.md").string();
  const std::string b = (dir / "b" / "x.md").string();
  const testing::Invocation first = run_lcperf({"reproduce", "chunkflow", "--quick", "--jobs", "1", "--out", a});
  ASSERT_EQ(first.exit_code, core::kExitSuccess) << first.err;
  const testing::Invocation second = run_lcperf({"reproduce", "chunkflow", "--quick", "--jobs", "3", "--out", b});
  ASSERT_EQ(second.exit_code, core::kExitSuccess) << second.err;
  EXPECT_EQ(read_file(a), read_file(b));
  EXPECT_EQ(read_file(dir / "a" / "x" / "qwen2.5-7b-256k-chunkflow.svg"),
            read_file(dir / "b" / "x" / "qwen2.5-7b-256k-chunkflow.svg"));
}

TEST(ReproduceCommand, UnknownStudyIsBadInput) {
  const ScratchDir dir;
  const testing::Invocation run = run_lcperf({"reproduce", "no-such-study", "--out", (dir / "x.md").string()});
  EXPECT_EQ(run.exit_code, core::kExitBadInput);
  EXPECT_NE(run.err.find("unknown study 'no-such-study'"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.md"));
}

TEST(ReproduceCommand, BadJobsAndOutAreBadInput) {
  const ScratchDir dir;
  EXPECT_EQ(run_lcperf({"reproduce", "chunkflow", "--jobs", "0", "--out", (dir / "x.md").string()}).exit_code,
            core::kExitBadInput);
  EXPECT_EQ(run_lcperf({"reproduce", "chunkflow", "--out", (dir / "x.txt").string()}).exit_code, core::kExitBadInput);
}

}  // namespace
}  // namespace lcperf::cli
