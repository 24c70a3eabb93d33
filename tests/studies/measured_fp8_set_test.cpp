// The shipped FP8 measured set, validation/measured/training-h100-fp8.jsonl: every row
// loads with its layers' GEMMs in FP8 and its BF16 twin in training-h100.jsonl exists
// (same scenario and overrides but the precision), so the two sets compare the same
// runs. And its mean absolute error stays at or under the figure reached (12 small
// simulations, ~13 s of CPU).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "studies/measured_comparison.hpp"
#include "studies/measured_runs.hpp"

namespace lcperf::studies {
namespace {

TEST(MeasuredFp8Set, EveryRowIsAnFp8TwinOfAShippedBf16Row) {
  const MeasuredRuns fp8 = read_measured_runs(LCPERF_SOURCE_DIR "/validation/measured/training-h100-fp8.jsonl");
  const MeasuredRuns bf16 = read_measured_runs(LCPERF_SOURCE_DIR "/validation/measured/training-h100.jsonl");
  ASSERT_EQ(fp8.rows.size(), 12u);
  std::set<std::string> bf16_ids;
  for (const MeasuredRow& row : bf16.rows) bf16_ids.insert(row.id);
  for (const MeasuredRow& row : fp8.rows) {
    SCOPED_TRACE(row.id);
    EXPECT_TRUE(row.scenario.model.kernels.fp8());
    std::string twin = row.id;
    twin.replace(twin.find("/fp8/"), 5, "/bf16/");
    EXPECT_EQ(bf16_ids.count(twin), 1u);
  }
}

TEST(MeasuredFp8Set, MeanAbsoluteErrorStaysAtOrUnderTheBaseline) {
  const MeasuredRuns runs = read_measured_runs(LCPERF_SOURCE_DIR "/validation/measured/training-h100-fp8.jsonl");
  const reports::MeasuredComparison comparison = compare_measured_runs(runs, 2);
  for (const reports::ComparedRow& row : comparison.rows) {
    EXPECT_EQ(row.status, reports::RowStatus::compared) << row.id;
  }
  // Reached with the scenarios' kernels section saying how NeMo runs the step (wgrad
  // accumulation into fp32 main_grad, which costs FP8 GEMMs relatively more than BF16
  // ones; Megatron's unfused fp32 cross-entropy; TE's CP ring steps): 7.99 % over 12 rows
  // (mean signed -1.63 %), rounded up in its second significant digit; nothing fitted.
  // Before it: 9.06 %, reached on the merged model (measured profiles, FP8 GEMMs at the BF16 fraction of the
  // FP8 peak with TransformerEngine's casts, overlapped bucketed gradient reduction) with
  // GEMMs priced by tiles, waves, split-K and stream-K (cost_models/gemm_tile_model.hpp)
  // and backward element-wise kernels and LayerNorm at their measured forward / RMSNorm
  // rate per byte (cost_models/measured_table.hpp): 9.06 % over 12 rows (mean signed
  // -4.96 %), rounded up in its second significant digit. Nothing was fitted to these
  // rows. Before the backward-kernel rates 9.51 % (-6.53 %); before the tile model 8.87 %
  // (-3.44 %): the tile model prices the large training GEMMs ~5-10 % faster than the one
  // curve did at min(m, n, k) <= 4096 (0.76-0.79 of peak against 0.71; on the measured
  // tables' largest GEMMs it is 2.4 % slow, not fast), so every row lost 3-5 % of its
  // time. The Llama 8B (-20 %), 70B and GPT-3 rows are still fast: what they miss is not
  // in the BF16-measured GEMM (FP8 GEMMs reaching less of the FP8 peak than BF16 ones of
  // theirs is not measured here; validation/measured/README.md).
  ASSERT_EQ(comparison.summary.size(), 1u);
  EXPECT_EQ(comparison.summary[0].metric, "iteration_time_s");
  EXPECT_EQ(comparison.summary[0].rows, 12u);
  EXPECT_LE(comparison.summary[0].mean_absolute_error, 0.080);
}

}  // namespace
}  // namespace lcperf::studies
