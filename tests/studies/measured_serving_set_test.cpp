// The shipped measured serving set, validation/measured/serving-h100-a100.jsonl: every
// row simulates, and the mean absolute error per metric stays at or under the figure
// reached when the set was built (validation/measured/README.md). Deterministic, so a
// ratchet: a change that makes serving less faithful on these rows fails here, and one
// that makes it more faithful lowers the bounds in the same commit.
//
// Cost: 21 small simulations (at most 200 requests of a few hundred decode steps each, or
// one static batch of up to 1024): a few seconds of CPU in all.
#include <gtest/gtest.h>

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
  // Reached with the serving stacks (cost_models/stacks/), the fixed closed-loop workload,
  // the first-principles decode attention and the measured device profiles with GEMMs
  // priced by tiles, waves and split-K (cost_models/gemm_tile_model.hpp): TTFT 21.97 %
  // (13 rows), ITL 6.25 % (5), output tokens/s 14.98 % (5), output tokens/s per GPU
  // 30.09 % (8); each bound is that figure rounded up in its second significant digit.
  // Before the tile model (the max form with one curve) 23.41 %, 15.12 %, 21.67 % and
  // 28.03 %: that fit priced decode-sized GEMMs ~30 % slow on H100, the tile model +5.5 %
  // (cost_models/README.md), so ITL and tokens/s came closer. Per GPU got worse by 2.1
  // points, all of it on the four Llama-70B TP2/TP4 FP8 rows, already simulated 18-80 %
  // too fast and now 22-91 %: what they miss is not the GEMM time (the Llama-7B TP1 rows
  // of the same metric moved from -7.4..-10.3 % to -2.5..-7.0 %).
  const std::map<std::string, double> bound = {{"ttft_p50_s", 0.22},
                                               {"tpot_p50_s", 0.063},
                                               {"output_tokens_per_s", 0.15},
                                               {"output_tokens_per_s_per_gpu", 0.31}};
  ASSERT_EQ(comparison.summary.size(), bound.size());
  for (const reports::MetricSummary& summary : comparison.summary) {
    ASSERT_TRUE(bound.count(summary.metric)) << summary.metric;
    EXPECT_LE(summary.mean_absolute_error, bound.at(summary.metric)) << summary.metric;
  }
}

}  // namespace
}  // namespace lcperf::studies
