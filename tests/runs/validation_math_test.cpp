// The arithmetic `lcperf validate` reports beside the raw errors: which live runs are
// taken again, and the end-to-end error with runs scaled to the profile's host speed.
#include <gtest/gtest.h>

#include "runs/validation.hpp"

namespace lcperf::runs {
namespace {

TEST(ValidationMath, OnlyPreemptedRunsAreRetakenAndOnlyWhileAttemptsRemain) {
  EXPECT_FALSE(retake_live_run(0.95, 5, 3));  // had its cores
  EXPECT_TRUE(retake_live_run(0.50, 5, 3));
  EXPECT_TRUE(retake_live_run(0.50, 3, 3));   // three attempts left make the three runs
  EXPECT_FALSE(retake_live_run(0.50, 2, 3));  // kept: otherwise too few runs
  EXPECT_FALSE(retake_live_run(kMinLiveCpuShare, 5, 1));
}

// Hand-computed: a profile probed at 2 ms; runs of 1.0, 1.5 and 0.9 s measured while the
// probe read 2, 3 and 1.8 ms take 1.0, 1.0 and 1.0 s at the profile's speed; simulated
// 1.1 s is then +10 % for each run, against raw errors of +10 %, -26.7 % and +22.2 %.
TEST(ValidationMath, RunsAreScaledToTheProfilesHostSpeed) {
  Validation v;
  v.simulated_end_s = 1.1;
  v.measured_end_s = {1.0, 1.5, 0.9};
  v.profile_probe_s = 2e-3;
  v.run_probe_s = {2e-3, 3e-3, 1.8e-3};
  const SpeedNormalized n = speed_normalized(v);
  ASSERT_TRUE(n.available);
  ASSERT_EQ(n.measured_s.size(), 3u);
  for (double m : n.measured_s) EXPECT_NEAR(m, 1.0, 1e-12);
  EXPECT_NEAR(n.measured_median_s, 1.0, 1e-12);
  for (double e : n.run_relative_errors) EXPECT_NEAR(e, 0.1, 1e-12);
  EXPECT_NEAR(n.probe_spread, 3e-3 / 1.8e-3, 1e-12);
  EXPECT_NEAR(relative_error(1.1, 1.5), -0.4 / 1.5, 1e-12);
}

TEST(ValidationMath, NoScalingWithoutBothProbes) {
  Validation v;
  v.simulated_end_s = 1.0;
  v.measured_end_s = {1.0, 1.0};
  v.run_probe_s = {2e-3, 2e-3};
  EXPECT_FALSE(speed_normalized(v).available);  // the device profile was not probed
  v.profile_probe_s = 2e-3;
  v.run_probe_s = {2e-3};
  EXPECT_FALSE(speed_normalized(v).available);  // one probe per run is needed
}

}  // namespace
}  // namespace lcperf::runs
