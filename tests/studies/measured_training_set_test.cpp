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
  // tables), NeMo's overlapped bucketed gradient reduction and parameter gather, rings
  // over every NIC of a node and merged ring steps: 4.41 % over 46 rows (mean signed
  // -3.11 %) and 7.97 % on the one tokens/s row; before issue 18's work 6.69 % and
  // 2.95 %. Each bound is the figure rounded up in its second significant digit, so only
  // a real change trips it.
  const std::map<std::string, double> bound = {{"iteration_time_s", 0.045}, {"tokens_per_s", 0.080}};
  ASSERT_EQ(comparison.summary.size(), bound.size());
  for (const reports::MetricSummary& summary : comparison.summary) {
    ASSERT_TRUE(bound.count(summary.metric)) << summary.metric;
    EXPECT_LE(summary.mean_absolute_error, bound.at(summary.metric)) << summary.metric;
  }
  EXPECT_EQ(comparison.summary[0].rows, 46u);
}

}  // namespace
}  // namespace lcperf::studies
