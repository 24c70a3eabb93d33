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
  // the first-principles decode attention and the measured device profiles (fitted to
  // Vidur's tables): TTFT 23.41 % (13 rows), ITL 15.12 % (5), output tokens/s 21.67 % (5),
  // output tokens/s per GPU 28.03 % (8); each bound is that figure rounded up in its
  // second significant digit. (On the hand-estimated profiles the same model reached
  // 32.57 %, 2.37 %, 8.73 % and 37.84 %: the measured H100 fit prices decode-sized GEMMs
  // ~30 % slow on its held-out family, cost_models/README.md, and ITL follows it.)
  const std::map<std::string, double> bound = {{"ttft_p50_s", 0.24},
                                               {"tpot_p50_s", 0.16},
                                               {"output_tokens_per_s", 0.22},
                                               {"output_tokens_per_s_per_gpu", 0.29}};
  ASSERT_EQ(comparison.summary.size(), bound.size());
  for (const reports::MetricSummary& summary : comparison.summary) {
    ASSERT_TRUE(bound.count(summary.metric)) << summary.metric;
    EXPECT_LE(summary.mean_absolute_error, bound.at(summary.metric)) << summary.metric;
  }
}

}  // namespace
}  // namespace lcperf::studies
