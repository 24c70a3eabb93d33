// report.md and the pipeline SVG: sections present, well-formed SVG with one box per
// op (or merged neighbours), colours per category, deterministic output, files written.
#include "reports/markdown_report.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "report_fixtures.hpp"
#include "reports/pipeline_svg.hpp"

namespace lcperf::reports {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(PipelineSvg, OneRowPerRankWithColouredBoxesAndAxis) {
  const auto records = lcperf::testing::sample_records();
  const std::string svg = pipeline_svg(records);
  EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  for (int rank = 0; rank < 4; ++rank) {
    EXPECT_NE(svg.find(">rank " + std::to_string(rank) + "<"), std::string::npos);
  }
  EXPECT_EQ(count(svg, category_colour("forward")), 16u + 1u);   // 4 ranks x 4 micro-batches + legend
  EXPECT_EQ(count(svg, category_colour("backward")), 16u + 1u);
  EXPECT_EQ(count(svg, category_colour("recompute")), 16u + 1u);
  EXPECT_EQ(count(svg, category_colour("collective")), 4u + 1u);
  EXPECT_NE(svg.find(" ms<"), std::string::npos);  // axis labelled in ms for a 15 ms run
  EXPECT_EQ(count(svg, "<text"), count(svg, "</text>"));
  EXPECT_EQ(count(svg, "<title>"), count(svg, "</title>"));
}

TEST(PipelineSvg, TouchingOpsOfOneMicroBatchMerge) {
  core::RunRecords records;
  for (int layer = 0; layer < 100; ++layer) {
    const double t = layer * 1e-5;
    records.timeline.push_back({0, 0, "layer", "forward", t, t + 1e-5, 0, 0, 0});
  }
  records.timeline.push_back({0, 0, "layer", "backward", 2e-3, 3e-3, 0, 0, 0});
  const std::string svg = pipeline_svg(records);
  EXPECT_EQ(count(svg, "forward x100"), 1u);
  EXPECT_EQ(count(svg, "class=\"op\""), 2u);  // the two boxes (each row's idle background is not an op)
}

TEST(PipelineSvg, LargeWorldsAreCapped) {
  core::RunRecords records;
  for (int rank = 0; rank < 10; ++rank) records.timeline.push_back({rank, 0, "f", "forward", 0, 1, 0, 0, 0});
  PipelineSvgOptions options;
  options.max_ranks = 3;
  const std::string svg = pipeline_svg(records, options);
  EXPECT_NE(svg.find("first 3 of 10 ranks"), std::string::npos);
  EXPECT_EQ(svg.find(">rank 3<"), std::string::npos);
}

TEST(MarkdownReport, HasEverySection) {
  const std::vector<ComparisonRow> rows = {{"bubble ratio", 0.2, 0.2, "ratio"}};
  const std::string md = training_report_markdown(lcperf::testing::sample_scenario(),
                                                  lcperf::testing::sample_result(), rows,
                                                  lcperf::testing::sample_records());
  for (const char* heading : {"# Training report: sample", "## Scenario", "## Results", "## Closed-form check",
                              "## Memory per rank", "## Pipeline timeline"}) {
    EXPECT_NE(md.find(heading), std::string::npos) << heading;
  }
  EXPECT_NE(md.find("TP 2 x CP 1 x DP 1 x PP 2 = 4 GPUs"), std::string::npos);
  EXPECT_NE(md.find("| weights |"), std::string::npos);  // a column per used tag
  EXPECT_NE(md.find("**3.00 GiB**"), std::string::npos);  // the peak rank in bold
  EXPECT_NE(md.find("![Pipeline timeline](timeline.svg)"), std::string::npos);
  EXPECT_EQ(md.find("## Out of memory"), std::string::npos);
}

TEST(MarkdownReport, InlineSvgOnRequest) {
  const std::string md = training_report_markdown(lcperf::testing::sample_scenario(),
                                                  lcperf::testing::sample_result(), {},
                                                  lcperf::testing::sample_records(), "");
  EXPECT_NE(md.find("<svg "), std::string::npos);
  EXPECT_NE(md.find("No closed-form values apply"), std::string::npos);
}

TEST(MarkdownReport, DeterministicAndWrittenWithItsPicture) {
  const auto scenario = lcperf::testing::sample_scenario();
  const auto result = lcperf::testing::sample_result();
  const auto records = lcperf::testing::sample_records();
  EXPECT_EQ(training_report_markdown(scenario, result, {}, records),
            training_report_markdown(scenario, result, {}, records));
  EXPECT_EQ(pipeline_svg(records), pipeline_svg(records));

  const auto dir = std::filesystem::temp_directory_path() / ("lcperf_report_" + std::to_string(::getpid()));
  write_training_report(dir.string(), scenario, result, {}, records);
  EXPECT_TRUE(std::filesystem::exists(dir / "report.md"));
  std::ifstream in(dir / "timeline.svg");
  std::stringstream svg;
  svg << in.rdbuf();
  EXPECT_EQ(svg.str(), pipeline_svg(records));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()), 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lcperf::reports
