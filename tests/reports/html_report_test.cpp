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
      {10, 100, "a", "p0", ""}, {20, 90, "a", "p1", ""}, {30, 150, "b", "p2", ""}, {5, 50, "b", "p3", ""}};
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
  EXPECT_NE(html.find("Pipeline timeline"), std::string::npos);
  EXPECT_NE(html.find("Memory of rank 0"), std::string::npos);
  EXPECT_NE(html.find(">idle<"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_NE(markdown_page(page).find("## Memory over time"), std::string::npos);
}

// The Gantt labels micro-batches and states each row's idle share: rank 0 computes 1 ms
// and rank 1 2 ms of the 3.5 ms span, so 71% and 43% idle.
TEST(HtmlReport, TrainingGanttLabelsMicroBatchesAndIdleShares) {
  const core::RunRecords records = read_chrome_trace(kTrace, "t.json");
  const std::string html = html_page(training_page(R"({"scenario":"x"})", records));
  EXPECT_NE(html.find("class=\"mb\">0</text>"), std::string::npos);
  EXPECT_NE(html.find(">71% idle<"), std::string::npos);
  EXPECT_NE(html.find(">43% idle<"), std::string::npos);
  EXPECT_EQ(html.find("Pipeline timeline per rank"), std::string::npos) << "one Gantt, not two";
}

TEST(HtmlReport, TrainingPageStatesTheScenarioAndSharesAlikeMemoryPanels) {
  core::RunRecords records;
  // Ranks 0 and 1 hold the same bytes at the same times (TP peers of one stage); rank 2 differs.
  read_memory_csv("time_s,rank,tag,delta_bytes,total_bytes\n"
                  "0,0,weights,1073741824,1073741824\n"
                  "0,1,weights,1073741824,1073741824\n"
                  "0.001,0,activations,536870912,1610612736\n"
                  "0.001,1,activations,536870912,1610612736\n"
                  "0,2,weights,2147483648,2147483648\n",
                  "m.csv", records);
  const std::string result = R"({"scenario":"x",
      "model":{"id":"llama3-8b","layers":32,"hidden":4096,"heads":32,"kv_heads":8,"params":8030261248},
      "cluster":{"id":"h200-1node","gpu":"h200","nodes":1,"gpus_per_node":8,"hbm_bytes":3221225472},
      "parallel":{"tp":2,"sequence_parallel":true,"pp":2,"virtual_stages":1,"dp":2,"cp":1,
                  "micro_batch_size":1,"num_micro_batches":8,"distributed_optimizer":true}})";
  const ReportPage page = training_page(result, records);
  const std::string html = html_page(page);
  EXPECT_NE(html.find("llama3-8b: 32 layers, hidden 4096, 32 heads (8 KV), 8.03026 B parameters"), std::string::npos);
  EXPECT_NE(html.find("h200-1node: 1 x 8 h200 (3.00 GiB HBM each)"), std::string::npos);
  EXPECT_NE(html.find("TP 2 (+SP), PP 2, DP 2 (distributed optimizer), CP 1; 8 micro-batches of 1"), std::string::npos);
  EXPECT_NE(html.find("Memory of ranks 0, 1 (peak"), std::string::npos);
  EXPECT_NE(html.find("Memory of rank 2 (peak"), std::string::npos);
  ASSERT_EQ(page.sections.at(1).svgs.size(), 2u);
  EXPECT_NE(html.find("HBM limit 3.00 GiB"), std::string::npos);
  EXPECT_NE(html.find("class=\"hbm\""), std::string::npos);
}

TEST(HtmlReport, SweepPageHasASortableTableAndLabelledFront) {
  const std::string results =
      R"({"index":0,"config":{"strategy.name":"megatron","parallel.tp":2},"ok":true,"oom":false,"tokens_per_s":100,"iteration_time_s":2,"peak_memory_bytes":1073741824,"mfu":0.3})"
      "\n"
      R"({"index":1,"config":{"strategy.name":"chunkflow","parallel.tp":1,"strategy.k":2},"ok":true,"oom":false,"tokens_per_s":150,"iteration_time_s":1.5,"peak_memory_bytes":2147483648,"mfu":0.45})"
      "\n"
      R"({"index":2,"config":{"strategy.name":"chunkflow","parallel.tp":4,"strategy.k":1},"ok":true,"oom":true,"tokens_per_s":0,"iteration_time_s":0,"peak_memory_bytes":9e10,"mfu":0})"
      "\n";
  const ReportPage page = sweep_page(results, R"({"sweep":"s","top":[{"config":{"strategy.name":"chunkflow","parallel.tp":1,"strategy.k":2}}]})");
  const std::string html = html_page(page);
  EXPECT_NE(html.find("<table class=\"sortable\">"), std::string::npos);
  EXPECT_NE(html.find("<script>"), std::string::npos);
  const Table& table = page.sections.at(1).table;
  ASSERT_EQ(table.rows.size(), 3u);  // every configuration that ran, out-of-memory ones too
  EXPECT_EQ(table.rows[0][0], "chunkflow");  // best throughput first
  EXPECT_EQ(table.rows[1][2], "—");          // Megatron's row has no k
  EXPECT_EQ(table.rows[2][table.rows[2].size() - 2], "out of memory");
  EXPECT_EQ(table.rows[2].back(), "sim.");  // no "source": a sweep before the two tiers, all simulated
  EXPECT_DOUBLE_EQ(table.sort_keys[0][3], 150);
  // Both non-OOM points are on the front (more memory buys more throughput): labelled.
  EXPECT_NE(html.find(">megatron tp=2<"), std::string::npos);
  EXPECT_NE(html.find(">chunkflow tp=1 k=2<"), std::string::npos);
  for (const auto& section : page.sections) EXPECT_EQ(section.note.find('{'), std::string::npos) << section.note;
  EXPECT_NE(html.find("chunkflow tp=1 k=2</td>"), std::string::npos);  // best (best.json), not JSON
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
