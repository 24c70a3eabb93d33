// The HTML report's pieces: readers of timeline.json and memory.csv, the Pareto front,
// and pages that stand alone (no external references).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "reports/html_report.hpp"
#include "reports/serving_charts.hpp"
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

// A serving run folder by hand: five requests, one rejected (no latencies), with the
// instance columns a newer engine appends; result.json with p95, the ITL histogram and
// an SLO; timeseries.csv of two instances.
const char* kRequestsCsv =
    "id,arrival_s,first_scheduled_s,first_token_s,finish_s,prompt_tokens,output_tokens,cached_tokens,preemptions,"
    "rejected,queueing_s,ttft_s,tpot_s,e2e_s,instance,prefill_instance\n"
    "0,0,0,0.1,1.1,10,11,0,0,0,0,0.1,0.1,1.1,0,\n"
    "1,0.5,0.6,0.8,1.3,10,6,0,0,0,0.1,0.3,0.1,0.8,1,\n"
    "2,1,1.2,1.5,1.5,10,1,0,0,0,0.2,0.5,,0.5,0,\n"
    "3,2,,,,99999,5,0,0,1,,,,,1,\n"
    "4,2.5,2.5,2.7,3.7,10,3,0,0,0,0,0.2,0.5,1.2,0,\n";

const char* kServingResult = R"({"kind":"serving","scenario":"hand","requests":5,"completed":4,"rejected":1,
  "duration_s":3.7,"throughput_tokens_per_s":20,"output_tokens_per_s":5.7,
  "ttft_s":{"p50":0.25,"p90":0.44,"p95":0.47,"p99":0.494,"mean":0.275},
  "tpot_s":{"p50":0.1,"p90":0.42,"p95":0.46,"p99":0.492,"mean":0.233},
  "e2e_s":{"p50":0.95,"p90":1.17,"p95":1.185,"p99":1.197,"mean":0.9},
  "queueing_s":{"p50":0.05,"p90":0.17,"p95":0.185,"p99":0.197,"mean":0.075},
  "itl_s":{"count":17,"mean":0.15,"p50":0.1,"p90":0.5,"p95":0.5,"p99":0.5,"max":0.5,
           "histogram":{"upper_edges_s":[0.05,0.1,0.2,0.4,0.8],"counts":[0,14,0,0,3]}},
  "slo":{"ttft_s":0.4,"tpot_s":null,"e2e_s":null,"requests":5,"met":3,"attainment":0.6,
         "goodput_requests_per_s":0.81,"goodput_tokens_per_s":4.05}})";

const char* kTimeseriesCsv = "time_s,instance,running,waiting,kv_used_blocks,kv_total_blocks\n"
                             "0,0,1,0,10,100\n0,1,0,0,0,100\n0.5,1,1,0,5,100\n1,0,2,1,50,100\n3.7,0,0,0,0,100\n";

// The coordinate pairs of the first polyline after `title` (a chart's data line).
std::size_t polyline_points_after(const std::string& html, const std::string& title) {
  const std::size_t chart = html.find(title);
  if (chart == std::string::npos) return 0;
  const std::size_t start = html.find("<polyline points=\"", chart);
  if (start == std::string::npos) return 0;
  const std::size_t from = start + 18, to = html.find('"', from);
  const std::string points = html.substr(from, to - from);
  return static_cast<std::size_t>(std::count(points.begin(), points.end(), ' ')) + 1;
}

TEST(HtmlReport, EmpiricalCdfRisesOncePerValue) {
  const auto cdf = empirical_cdf({0.3, 0.1, 0.2, 0.2});
  ASSERT_EQ(cdf.size(), 4u);
  EXPECT_EQ(cdf[0], (std::pair{0.1, 0.25}));
  EXPECT_EQ(cdf[2], (std::pair{0.2, 0.75}));  // a tie is two steps at one value
  EXPECT_EQ(cdf[3], (std::pair{0.3, 1.0}));
  EXPECT_TRUE(empirical_cdf({}).empty());
}

TEST(HtmlReport, ReadsRequestsCsvByColumnName) {
  const RequestLatencies l = read_requests_csv(kRequestsCsv, "requests.csv");
  EXPECT_EQ(l.rows, 5u);
  EXPECT_EQ(l.ttft_s, (std::vector<double>{0.1, 0.3, 0.5, 0.2}));  // the rejected request has none
  EXPECT_EQ(l.tpot_s.size(), 3u);                                  // nor has a one-token output
  EXPECT_THROW(read_requests_csv("ttft_s,tpot_s,e2e_s,queueing_s\n0.1,x,1,0\n", "r.csv"), core::InputError);
  EXPECT_THROW(read_requests_csv("id,ttft_s\n1,0.1\n", "r.csv"), core::InputError);
}

TEST(HtmlReport, ServingPageDrawsEveryRequestAndTheNewerFiles) {
  const ReportPage page = serving_page(ServingRunFiles{kServingResult, kRequestsCsv, kTimeseriesCsv});
  const std::string html = html_page(page);
  // One step per request that has the latency: 1 start point + 2 per step.
  EXPECT_EQ(polyline_points_after(html, "Time to first token (ttft_s)"), 1u + 2 * 4);
  EXPECT_EQ(polyline_points_after(html, "Time per output token (tpot_s)"), 1u + 2 * 3);
  EXPECT_EQ(polyline_points_after(html, "Queueing delay (queueing_s)"), 1u + 2 * 4);
  for (const char* mark : {">p50 ", ">p90 ", ">p95 ", ">p99 "}) EXPECT_NE(html.find(mark), std::string::npos) << mark;
  EXPECT_EQ(html.find("percentile points"), std::string::npos);  // a true CDF, not the fallback
  EXPECT_NE(html.find("SLO attainment and goodput"), std::string::npos);
  EXPECT_NE(html.find("3 of 5"), std::string::npos);
  EXPECT_NE(html.find("Inter-token latency (itl_s)"), std::string::npos);
  EXPECT_NE(html.find("14 tokens (82.35 %)"), std::string::npos);  // the 0.05-0.1 s bin's tooltip
  EXPECT_NE(html.find("KV cache in use"), std::string::npos);
  EXPECT_NE(html.find("Running batch"), std::string::npos);
  EXPECT_NE(html.find("Queue length"), std::string::npos);
  EXPECT_NE(html.find(">instance 1<"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
}

TEST(HtmlReport, ServingPageWithoutNewerFilesLeavesTheirSectionsOut) {
  const std::string html = html_page(serving_page(R"({"kind":"serving","requests":1,"duration_s":1,
      "ttft_s":{"p50":0.1,"p90":0.2,"p99":0.3,"mean":0.1}})"));
  EXPECT_EQ(html.find("SLO attainment"), std::string::npos);
  EXPECT_EQ(html.find("Inter-token latency"), std::string::npos);
  EXPECT_EQ(html.find("KV cache in use"), std::string::npos);
}

TEST(HtmlReport, LoadCurvePageDrawsThroughputAndLatencyAgainstOfferedLoad) {
  const char* curve = R"({"kind":"load_curve","scenario":"hand","slo":{"ttft_s":0.5,"tpot_s":null,"e2e_s":null},
    "points":[
     {"scale":0.5,"offered_requests_per_s":4,"offered_tokens_per_s":400,"requests":10,"completed":10,"rejected":0,
      "throughput_tokens_per_s":300,"output_tokens_per_s":40,"ttft_p50_s":0.4,"ttft_p90_s":0.9,"ttft_p99_s":1.2,
      "tpot_p50_s":0.02,"tpot_p90_s":0.03,"tpot_p99_s":0.04,"e2e_p90_s":3,"slo_attainment":0.4,
      "goodput_requests_per_s":1.6,"goodput_tokens_per_s":16},
     {"scale":2,"offered_requests_per_s":1,"offered_tokens_per_s":100,"requests":10,"completed":10,"rejected":0,
      "throughput_tokens_per_s":95,"output_tokens_per_s":10,"ttft_p50_s":0.1,"ttft_p90_s":0.2,"ttft_p99_s":0.3,
      "tpot_p50_s":0.01,"tpot_p90_s":0.012,"tpot_p99_s":0.015,"e2e_p90_s":1,"slo_attainment":1,
      "goodput_requests_per_s":0.95,"goodput_tokens_per_s":10}]})";
  const ReportPage page = load_curve_page(curve);
  const std::string html = html_page(page);
  for (const char* title : {"Throughput vs offered load", "Goodput vs offered load", "SLO attainment vs offered load",
                            "TTFT vs offered load", "TPOT vs offered load"}) {
    EXPECT_NE(html.find(title), std::string::npos) << title;
  }
  const Table& table = page.sections.back().table;
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.rows[0][0], "2");  // light load first, whatever order the scales ran in
  EXPECT_EQ(table.rows[1][7], "40.00 %");
}

}  // namespace
}  // namespace lcperf::reports
