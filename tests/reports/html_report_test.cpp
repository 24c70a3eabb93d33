// The HTML report's pieces: readers of timeline.json and memory.csv, the Pareto front,
// and pages that stand alone (no external references).
#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "reports/html_report.hpp"
#include "reports/svg_charts.hpp"
#include "reports/svg_plot.hpp"

namespace lcperf::reports {
namespace {

const char* kTrace = R"({"traceEvents":[
{"name":"thread_name","ph":"M","pid":1,"tid":2,"args":{"name":"rank 0 / compute"}},
{"name":"thread_name","ph":"M","pid":1,"tid":3,"args":{"name":"rank 0 / send"}},
{"name":"thread_name","ph":"M","pid":1,"tid":4,"args":{"name":"rank 1 / compute"}},
{"name":"fwd","cat":"forward","ph":"X","pid":1,"tid":2,"ts":0,"dur":1000,"args":{"micro_batch":0}},
{"name":"send","cat":"p2p","ph":"X","pid":1,"tid":3,"ts":1000,"dur":10,"args":{}},
{"name":"bwd","cat":"backward","ph":"X","pid":1,"tid":4,"ts":1500,"dur":2000,"args":{"micro_batch":0}}]})";

const char* kMemory = "time_s,rank,tag,delta_bytes,total_bytes\n"
                      "0.000000000,0,weights,1073741824,1073741824\n"
                      "0.001000000,0,activations,536870912,1610612736\n"
                      "0.002000000,0,activations,-536870912,1073741824\n";

TEST(HtmlReport, ReadsChromeTraceLanes) {
  const core::RunRecords records = read_chrome_trace(kTrace, "t.json");
  ASSERT_EQ(records.timeline.size(), 3u);
  EXPECT_EQ(records.timeline[1].stream, 1);
  EXPECT_EQ(records.timeline[2].rank, 1);
  EXPECT_DOUBLE_EQ(records.timeline[2].end_s, 3.5e-3);
  EXPECT_THROW(read_chrome_trace("[]", "t.json"), core::InputError);
}

TEST(HtmlReport, ReadsMemoryCsvAndRejectsBadRows) {
  core::RunRecords records;
  read_memory_csv(kMemory, "m.csv", records);
  ASSERT_EQ(records.memory.size(), 3u);
  EXPECT_EQ(records.memory[1].tag, core::MemoryTag::activations);
  EXPECT_THROW(read_memory_csv("h\n1,0,nonsense,1,1\n", "m.csv", records), core::InputError);
}

TEST(HtmlReport, ParetoFrontKeepsOnlyUndominatedPoints) {
  const std::vector<SweepPoint> points = {
      {10, 100, "a", "p0"}, {20, 90, "a", "p1"}, {30, 150, "b", "p2"}, {5, 50, "b", "p3"}};
  EXPECT_EQ(pareto_front(points), (std::vector<std::size_t>{3, 0, 2}));
}

TEST(HtmlReport, NiceTicksAreRound) {
  const std::vector<double> ticks = svg::nice_ticks(0, 1, 5);
  ASSERT_EQ(ticks.size(), 6u);
  EXPECT_NEAR(ticks[3], 0.6, 1e-12);
  EXPECT_EQ(svg::plain_tick(svg::nice_ticks(-1e-20, 1, 5).front()), "0");
}

TEST(HtmlReport, TrainingPageIsSelfContainedWithPlots) {
  core::RunRecords records = read_chrome_trace(kTrace, "t.json");
  read_memory_csv(kMemory, "m.csv", records);
  const ReportPage page = training_page(R"({"kind":"training","scenario":"x","tokens_per_s":5})", records);
  const std::string html = html_page(page);
  EXPECT_NE(html.find("Pipeline timeline per rank"), std::string::npos);
  EXPECT_NE(html.find("Memory of rank 0"), std::string::npos);
  EXPECT_NE(html.find(">idle<"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_NE(markdown_page(page).find("## Memory over time"), std::string::npos);
}

TEST(HtmlReport, ServingPageSaysCdfComesFromPercentiles) {
  const std::string html = html_page(serving_page(
      R"({"kind":"serving","requests":10,"duration_s":5,"throughput_tokens_per_s":100,
          "ttft_s":{"p50":0.1,"p90":0.2,"p99":0.3,"mean":0.1}})"));
  EXPECT_NE(html.find("Time to first token"), std::string::npos);
  EXPECT_NE(html.find("percentile points"), std::string::npos);
  EXPECT_NE(html.find("Throughput vs offered load"), std::string::npos);
}

}  // namespace
}  // namespace lcperf::reports
