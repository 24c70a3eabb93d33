// The shipped measured serving set, validation/measured/serving-h100-a100.jsonl: every
// row simulates, and the mean absolute error per metric stays at or under the figure
// reached when the set was built (validation/measured/README.md). Deterministic, so a
// ratchet: a change that makes serving less faithful on these rows fails here, and one
// that makes it more faithful lowers the bounds in the same commit.
//
// Cost: 21 small simulations (at most 200 requests of a few hundred decode steps each, or
// one static batch of up to 1024): a few seconds of CPU in all.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "studies/measured_comparison.hpp"

namespace lcperf::studies {
namespace {

TEST(MeasuredServingSet, MeanAbsoluteErrorStaysAtOrUnderTheBaseline) {
  const MeasuredRuns runs = read_measured_runs(LCPERF_SOURCE_DIR "/validation/measured/serving-h100-a100.jsonl");
  ASSERT_EQ(runs.rows.size(), 21u);
  const reports::MeasuredComparison comparison = compare_measured_runs(runs, 2);
  for (const reports::ComparedRow& row : comparison.rows) {
    EXPECT_EQ(row.status, reports::RowStatus::compared) << row.id;
  }
  // Reached with the serving stacks' per-request costs, TensorRT-LLM's one-shot all-reduce
  // on nim-trtllm, 16-bit context attention in the FP8 TensorRT-LLM engines, the closed
  // loop's steady-state throughput, and the measured device profiles with GEMMs priced by
  // tiles, waves and split-K (cost_models/gemm_tile_model.hpp); nim-trtllm's step time
  // (3.15 ms) fitted to the NIM c=1 5000/500 row's ITL and cpp-engine's request cost
  // (2.77 ms) to the four ISL-128 first-token rows, every other row only checks them
  // (validation/measured/README.md, "Serving fit and check"; scripts/fit-serving-stacks.py).
  // Then two mechanisms, nothing fitted (validation/measured/README.md, "The NIM TTFT
  // growth and the static-batch 70B rows"): the NIM rows run TensorRT-LLM's default
  // in-flight batching (whole prompts beside the decodes, one 5000-token prompt per step
  // under the 8192-token budget; serving.prefill_with_decodes) from a client whose users
  // start together (workload.start "together"), so the measured requests inherit the
  // burst's one-prompt-per-step order and each waits for the previous user's prefill:
  // TTFT 15.59 % -> 9.93 %, ITL 2.16 % -> 1.39 %, output tokens/s 3.71 % -> 3.03 %; and
  // cpp-engine's decode attention reads K/V once per query head (TensorRT-LLM before its
  // GQA-aware XQA kernel), which the Llama-2-70B static-batch rows (GQA 64/8) pay 8 times:
  // output tokens/s per GPU 30.04 % -> 8.59 %. Each bound is the figure reached rounded up
  // in its second significant digit, so either mechanism undone fails here. (Before issue
  // 19's second pass: 23.41 %, 15.12 %, 21.67 %, 28.03 %.) ITL is low because the one
  // fitted step time absorbs what the device profile misprices in a decode step: a change
  // to decode pricing moves it, and the step time is refitted in the same commit.
  // Then the NIM rows' TTFT is compared as AIPerf reports it, the mean over requests
  // (ttft_mean_s), not the median: in the convoy the head of each round's burst waits for
  // no other prefill, which the median hides (c=5: mean 660 ms, median 730 ms; measured
  // 547 ms). ITL likewise as the mean (tpot_mean_s): the page prints one statistic for
  // both, so the median for one and the mean for the other would pick the statistic by
  // fit. The mean ITL is the worse figure, 1.38 % -> 3.01 % (the 3-round run's ramp-down,
  // which NIM's 3 x C-request runs also hold), so its bound is new, not loosened.
  // TTFT over all 13 rows 9.82 % -> 8.76 %; the 8 first-token rows alone
  // 7.76 %, the 5 NIM rows 10.35 % (validation/measured/README.md, "TTFT as AIPerf
  // averages it"). Nothing refitted: the fit rows are the NIM c=1 ITL and the ISL-128
  // first-token TTFTs, which do not move.
  const std::map<std::string, double> bound = {{"ttft_p50_s", 0.078},
                                               {"ttft_mean_s", 0.11},
                                               {"tpot_mean_s", 0.031},
                                               {"output_tokens_per_s", 0.031},
                                               {"output_tokens_per_s_per_gpu", 0.087}};
  ASSERT_EQ(comparison.summary.size(), bound.size());
  for (const reports::MetricSummary& summary : comparison.summary) {
    ASSERT_TRUE(bound.count(summary.metric)) << summary.metric;
    EXPECT_LE(summary.mean_absolute_error, bound.at(summary.metric)) << summary.metric;
  }
  // The time to first token over every row that measured it, whichever statistic: the
  // figure the set was first judged by (0.10 before the NIM rows took the mean).
  double ttft_error_sum = 0;
  int ttft_rows = 0;
  for (const reports::ComparedRow& row : comparison.rows) {
    for (const reports::ComparedMetric& metric : row.metrics) {
      if (metric.metric.rfind("ttft_", 0) != 0) continue;
      ttft_error_sum += std::abs(metric.relative_error);
      ++ttft_rows;
    }
  }
  ASSERT_EQ(ttft_rows, 13);
  EXPECT_LE(ttft_error_sum / ttft_rows, 0.088);
}

}  // namespace
}  // namespace lcperf::studies
