// `lcperf report` end to end: a simulate folder and a hand-written sweep folder give a
// self-contained plots.html (and plots.md) with their plots; where Debian's chromium
// is installed the page is also rendered headless, to prove it draws something.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tests/support/cli_test_support.hpp"

namespace lcperf::cli::testing {
namespace {

// No fetch of anything outside the file: no URLs but the SVG namespace, no src=.
void expect_self_contained(const std::string& html) {
  std::string rest = html;
  for (std::size_t at; (at = rest.find("http://www.w3.org/2000/svg")) != std::string::npos;) rest.erase(at, 26);
  EXPECT_EQ(rest.find("http://"), std::string::npos);
  EXPECT_EQ(rest.find("https://"), std::string::npos);
  EXPECT_EQ(rest.find("src="), std::string::npos);
  EXPECT_EQ(rest.find("<link"), std::string::npos);
}

TEST(ReportCommand, SimulateFolderGivesTimelineAndMemoryPlots) {
  const ScratchDir scratch;
  const fs::path dir = scratch / "run";
  ASSERT_EQ(run_lcperf({"simulate", smoke_scenario(), "--out", dir.string(), "--quiet"}).exit_code, 0);
  const Invocation report = run_lcperf({"report", dir.string()});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string html = read_file(dir / "plots.html");
  expect_self_contained(html);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Pipeline timeline"), std::string::npos);
  EXPECT_NE(html.find("class=\"mb\">"), std::string::npos);  // micro-batch labels on the Gantt
  EXPECT_NE(html.find("% idle<"), std::string::npos);
  EXPECT_NE(html.find("Memory of ranks 0"), std::string::npos);  // TP/DP peers of stage 0 share a panel
  EXPECT_NE(html.find("HBM limit"), std::string::npos);
  EXPECT_NE(html.find("parallel layout"), std::string::npos);
  EXPECT_NE(read_file(dir / "plots.md").find("## Pipeline timeline"), std::string::npos);

  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "no /usr/bin/chromium: page not rendered";
  const fs::path png = scratch / "report.png";
  const std::string command =
      "timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=" +
      shell_quote((scratch / "profile").string()) + " --screenshot=" + shell_quote(png.string()) +
      " --window-size=1400,2000 " + shell_quote("file://" + (dir / "plots.html").string()) + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const std::string image = read_file(png);
  EXPECT_GT(image.size(), 20u * 1024);
  EXPECT_EQ(image.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST(ReportCommand, SweepFolderGivesScatterWithParetoFront) {
  const ScratchDir scratch;
  write_file(scratch / "results.jsonl",
             R"({"index":0,"config":{"strategy.name":"megatron"},"ok":true,"oom":false,"tokens_per_s":1000,"peak_memory_bytes":40000000000})"
             "\n"
             R"({"index":1,"config":{"strategy.name":"chunkflow"},"ok":true,"oom":false,"tokens_per_s":1500,"peak_memory_bytes":30000000000})"
             "\n"
             R"({"index":2,"config":{"strategy.name":"chunkflow"},"ok":true,"oom":true,"tokens_per_s":1,"peak_memory_bytes":1})"
             "\n"
             R"({"index":3,"config":{"strategy.name":"megatron"},"ok":false,"error":"boom"})"
             "\n");
  write_file(scratch / "best.json", R"({"sweep":"hand","top":[{"rank":1,"config":{"strategy.name":"chunkflow"}}]})");
  const fs::path out = scratch / "page.html";
  const Invocation report = run_lcperf({"report", scratch.path().string(), "--out", out.string(), "--quiet"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string html = read_file(out);
  expect_self_contained(html);
  EXPECT_NE(html.find("Sweep: throughput vs peak memory"), std::string::npos);
  EXPECT_NE(html.find("Pareto front"), std::string::npos);
  EXPECT_NE(html.find("megatron"), std::string::npos);
  EXPECT_NE(html.find("chunkflow"), std::string::npos);
  EXPECT_TRUE(fs::exists(scratch / "page.md"));
}

TEST(ReportCommand, FolderWithoutResultsIsBadInput) {
  const ScratchDir scratch;
  const Invocation report = run_lcperf({"report", scratch.path().string()});
  EXPECT_EQ(report.exit_code, 2);
  EXPECT_NE(report.err.find("not an output folder"), std::string::npos);
}

}  // namespace
}  // namespace lcperf::cli::testing
