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
  // Reached with the measured device profiles (cost_models/devices, fitted to Vidur's
  // tables) with GEMMs priced by tiles, waves and split-K (cost_models/gemm_tile_model.hpp),
  // NeMo's overlapped bucketed gradient reduction and parameter gather, rings over every
  // NIC of a node and merged ring steps: 7.38 % over 46 rows (mean signed -7.23 %) and
  // 3.58 % on the one tokens/s row. Before the tile model 4.41 % (-3.11 %) and 7.97 %;
  // before issue 18's work 6.69 % and 2.95 %. The tile model made every row 2-5 % faster:
  // the one curve priced the training GEMMs with min(m, n, k) = 4096 at 0.71 of peak, the
  // tile model at 0.75-0.78, and the measured tables agree with the latter (Llama-2-7B's
  // held-out GEMMs at 4096 tokens on H100 run at 0.68-0.86 of peak; the tile model is
  // 2.8 % slow on them in geometric mean). So the rows that were fast (Llama 3.1 8B,
  // GPT-3 175B, 70B) miss something outside the GEMM that the slow curve hid. Each bound
  // is the figure rounded up in its second significant digit, so only a real change
  // trips it.
  const std::map<std::string, double> bound = {{"iteration_time_s", 0.074}, {"tokens_per_s", 0.036}};
  ASSERT_EQ(comparison.summary.size(), bound.size());
  for (const reports::MetricSummary& summary : comparison.summary) {
    ASSERT_TRUE(bound.count(summary.metric)) << summary.metric;
    EXPECT_LE(summary.mean_absolute_error, bound.at(summary.metric)) << summary.metric;
  }
  EXPECT_EQ(comparison.summary[0].rows, 46u);
}

}  // namespace
}  // namespace lcperf::studies
