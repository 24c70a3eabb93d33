// The arithmetic of `lcperf compare` on hand-made results: the signed relative error
// per metric, the derived metrics, and the mean absolute error over rows computed by hand.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "studies/measured_comparison.hpp"
#include "tests/support/cli_test_support.hpp"

namespace lcperf::studies {
namespace {

using cli::testing::ScratchDir;
using cli::testing::valid_scenario;
using cli::testing::write_file;

MeasuredRuns runs_of(const ScratchDir& dir, const std::string& text) {
  write_file(dir / "base.json", valid_scenario().dump());
  return parse_measured_runs(text, (dir / "runs.jsonl").string());
}

core::TrainingResult result(double iteration_time_s, double tokens_per_s, int world_size) {
  core::TrainingResult r;
  r.iteration_time_s = iteration_time_s;
  r.tokens_per_s = tokens_per_s;
  r.world_size = world_size;
  r.mfu = 0.5;
  return r;
}

TEST(MeasuredComparison, RelativeErrorIsSimulatedMinusMeasuredOverMeasured) {
  EXPECT_DOUBLE_EQ(relative_error(10, 10), 0.0);
  EXPECT_DOUBLE_EQ(relative_error(12, 10), 0.2);
  EXPECT_DOUBLE_EQ(relative_error(8, 10), -0.2);
}

TEST(MeasuredComparison, HandMadeRowsGiveTheirErrorsAndTheMeanAbsoluteErrors) {
  const ScratchDir dir;
  const MeasuredRuns runs = runs_of(dir,
      // Exactly the simulated time: error 0. Simulated 10 s against 8 s: +25 %.
      R"({"id": "exact", "source": "s", "scenario": "base.json", "measured": {"iteration_time_s": 10}})"
      "\n"
      R"({"id": "slow", "source": "s", "scenario": "base.json", "measured": {"iteration_time_s": 8, "tokens_per_s_per_gpu": 1250, "mfu": {"value": 40, "unit": "%"}}})"
      "\n"
      R"({"id": "fast", "source": "s", "scenario": "base.json", "measured": {"iteration_time_s": {"value": 12500, "unit": "ms"}}})");
  // 8000 tokens/s over 8 GPUs is 1000 per GPU: against 1250, -20 %. MFU 0.5 against 0.4: +25 %.
  const std::vector<std::optional<core::TrainingResult>> results(3, result(10, 8000, 8));
  const reports::MeasuredComparison comparison = compare_results(runs, results);

  ASSERT_EQ(comparison.rows.size(), 3u);
  EXPECT_EQ(comparison.rows[0].metrics[0].relative_error, 0.0);
  EXPECT_DOUBLE_EQ(comparison.rows[1].metrics[0].relative_error, 0.25);
  EXPECT_EQ(comparison.rows[1].metrics[1].metric, "tokens_per_s_per_gpu");
  EXPECT_DOUBLE_EQ(comparison.rows[1].metrics[1].simulated, 1000);
  EXPECT_DOUBLE_EQ(comparison.rows[1].metrics[1].relative_error, -0.2);
  EXPECT_DOUBLE_EQ(comparison.rows[1].metrics[2].relative_error, 0.25);
  EXPECT_DOUBLE_EQ(comparison.rows[2].metrics[0].measured, 12.5);
  EXPECT_DOUBLE_EQ(comparison.rows[2].metrics[0].relative_error, -0.2);

  // iteration_time_s over three rows: errors 0, +0.25, -0.2.
  ASSERT_EQ(comparison.summary.size(), 3u);
  const reports::MetricSummary& time = comparison.summary[0];
  EXPECT_EQ(time.metric, "iteration_time_s");
  EXPECT_EQ(time.unit, "s");
  EXPECT_EQ(time.rows, 3u);
  EXPECT_DOUBLE_EQ(time.mean_absolute_error, (0 + 0.25 + 0.2) / 3);
  EXPECT_DOUBLE_EQ(time.mean_signed_error, (0 + 0.25 - 0.2) / 3);
  EXPECT_DOUBLE_EQ(time.max_absolute_error, 0.25);
  EXPECT_EQ(comparison.summary[1].metric, "tokens_per_s_per_gpu");
  EXPECT_DOUBLE_EQ(comparison.summary[1].mean_absolute_error, 0.2);
  EXPECT_EQ(comparison.summary[2].metric, "mfu");
  EXPECT_EQ(comparison.summary[2].rows, 1u);
}

TEST(MeasuredComparison, SkippedRowsDoNotCountAndOutOfMemoryRowsCountWithAWarning) {
  const ScratchDir dir;
  const MeasuredRuns runs = runs_of(dir,
      R"({"id": "a", "source": "s", "scenario": "base.json", "measured": {"iteration_time_s": 5}})"
      "\n"
      R"({"id": "b", "source": "s", "scenario": "base.json", "measured": {"iteration_time_s": 20}})"
      "\n"
      R"({"id": "c", "source": "s", "scenario": "base.json", "measured": {"iteration_time_s": 10}})");
  core::TrainingResult out_of_memory = result(10, 1, 8);
  out_of_memory.oom = true;
  const reports::MeasuredComparison comparison =
      compare_results(runs, {result(10, 1, 8), std::nullopt, out_of_memory});
  EXPECT_EQ(comparison.rows[1].status, reports::RowStatus::skipped);
  EXPECT_FALSE(comparison.rows[1].reason.empty());
  EXPECT_EQ(comparison.rows[2].status, reports::RowStatus::compared);
  EXPECT_NE(comparison.rows[2].warning.find("out of memory"), std::string::npos);
  ASSERT_EQ(comparison.summary.size(), 1u);
  EXPECT_EQ(comparison.summary[0].rows, 2u);  // a (+100 %) and c (0 %)
  EXPECT_DOUBLE_EQ(comparison.summary[0].mean_absolute_error, 0.5);
}

}  // namespace
}  // namespace lcperf::studies

namespace lcperf::studies {
namespace {

// Each serving metric reads its own figure of result.json: the mean and the median of
// TTFT and ITL are different statistics (a closed loop's convoy of prefills makes them
// differ), and a row names the one its source reports.
TEST(MeasuredComparison, ServingMetricsReadTheirOwnStatistic) {
  runs::ServingFigures figures;
  figures.ttft_p50_s = 0.73;
  figures.ttft_mean_s = 0.66;
  figures.tpot_p50_s = 0.0216;
  figures.tpot_mean_s = 0.0215;
  figures.output_tokens_per_s = 880;
  figures.gpus = 2;
  EXPECT_DOUBLE_EQ(simulated_serving_value(MeasuredMetric::ttft_p50_s, figures), 0.73);
  EXPECT_DOUBLE_EQ(simulated_serving_value(MeasuredMetric::ttft_mean_s, figures), 0.66);
  EXPECT_DOUBLE_EQ(simulated_serving_value(MeasuredMetric::tpot_p50_s, figures), 0.0216);
  EXPECT_DOUBLE_EQ(simulated_serving_value(MeasuredMetric::tpot_mean_s, figures), 0.0215);
  EXPECT_DOUBLE_EQ(simulated_serving_value(MeasuredMetric::output_tokens_per_s_per_gpu, figures), 440);
  ASSERT_NE(find_metric("ttft_mean_s"), nullptr);
  EXPECT_EQ(find_metric("ttft_mean_s")->kind, RunKind::serving);
  // 547 ms measured against the 660 ms mean: +20.7 %, by hand.
  EXPECT_NEAR(relative_error(simulated_serving_value(MeasuredMetric::ttft_mean_s, figures), 0.547), 0.2066, 1e-4);
}

}  // namespace
}  // namespace lcperf::studies
