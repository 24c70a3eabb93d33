// The shipped measured training set, validation/measured/training-h100.jsonl: every row
// simulates, and the mean absolute error per metric stays at or under the figure reached
// when the set was built. The simulation is deterministic, so this is a ratchet and not a
// timed test: a change that makes lcperf less faithful on these runs fails here, and one
// that makes it more faithful lowers the bound in the same commit (device-profile refits
// are expected to move it).
//
// Cost: 47 rows are 36 distinct simulations (two releases of the same benchmark share
// one), up to 2304 GPUs: about 2 minutes of CPU in all, most of it in the weak-scaling
// tails (the 1024- and 2048-GPU GPT-3 175B and Llama 3.1 70B runs, 20-60 s each). Two
// at a time that is 1.5-2.5 minutes on two free cores, and more on a shared machine,
// hence the studies suite's longer timeout (tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <thread>

#include "studies/measured_comparison.hpp"

namespace lcperf::studies {
namespace {

TEST(MeasuredTrainingSet, MeanAbsoluteErrorStaysAtOrUnderTheBaseline) {
  const MeasuredRuns runs = read_measured_runs(LCPERF_SOURCE_DIR "/validation/measured/training-h100.jsonl");
  ASSERT_EQ(runs.rows.size(), 47u);
  const int jobs = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 2u, 8u));
  const reports::MeasuredComparison comparison = compare_measured_runs(runs, jobs);

  for (const reports::ComparedRow& row : comparison.rows) {
    EXPECT_EQ(row.status, reports::RowStatus::compared) << row.id;
  }
  // Reached with the scenarios' kernels section saying how NeMo runs the step (issue 18,
  // fourth pass: weight gradients accumulated into fp32 main_grad, Megatron's unfused
  // fp32 cross-entropy, TransformerEngine's CP ring steps; validation/measured/README.md):
  // 4.82 % over 46 rows (mean signed -4.18 %) and 5.07 % on the tokens/s row. Nothing was
  // fitted: each mechanism's bytes come from the stack's code path. The tokens/s bound is
  // LOOSENED from 3.9 % to 5.1 %: its one row (405B, 21 layers) was already pessimistic
  // (-3.88 %) and every 405B row moves by +0.9 to +1.2 points with the mechanisms (five
  // of the six 405B iteration rows were within 3.3 % and stay so) while the 46 iteration
  // rows' mean improves by 1.5 points; the mechanisms are kept for the set, not tuned
  // away for one row. Before this pass:
  // reached with the measured device profiles (cost_models/devices, fitted to Vidur's
  // tables) with GEMMs priced by tiles, waves, split-K and stream-K
  // (cost_models/gemm_tile_model.hpp), backward element-wise kernels and LayerNorm at
  // their measured forward / RMSNorm rate per byte (cost_models/measured_table.hpp,
  // forward_family), NeMo's overlapped bucketed gradient reduction and parameter gather,
  // rings over every NIC of a node and merged ring steps: 6.28 % over 46 rows (mean
  // signed -6.03 %) and 3.88 % on the one tokens/s row. Nothing was fitted to these rows.
  // Before the backward-kernel rates 7.38 % (-7.23 %) and 3.58 %; before the tile model
  // 4.41 % (-3.11 %) and 7.97 %; before issue 18's work 6.69 % and 2.95 %. The tile model
  // made every row 2-5 % faster (the one curve priced the training GEMMs with
  // min(m, n, k) = 4096 at 0.71 of peak, the tile model at 0.75-0.78, as the measured
  // tables do); the backward kernels, which the class curve had priced at the residual
  // add's rate (a Llama-3-8B RMSNorm backward at 31 us against its measured 56 us
  // forward), add 2.8 % to a Llama 3.1 8B layer and 0.6 % to a GPT-3 175B one. The
  // tokens/s bound is LOOSENED from 3.6 % to 3.9 %: its one row (405B, 21 layers) was
  // already pessimistic (-3.58 %) and the slower backward kernels move it with every
  // other 405B row (+0.3 to +0.9 points) while the 45 iteration rows' mean improves by
  // 1.1 points; the mechanism is kept for the set, not tuned away for one row. Each bound
  // is the figure rounded up in its second significant digit, so only a real change
  // trips it.
  const std::map<std::string, double> bound = {{"iteration_time_s", 0.049}, {"tokens_per_s", 0.051}};
  ASSERT_EQ(comparison.summary.size(), bound.size());
  for (const reports::MetricSummary& summary : comparison.summary) {
    ASSERT_TRUE(bound.count(summary.metric)) << summary.metric;
    EXPECT_LE(summary.mean_absolute_error, bound.at(summary.metric)) << summary.metric;
  }
  EXPECT_EQ(comparison.summary[0].rows, 46u);
}

}  // namespace
}  // namespace lcperf::studies
