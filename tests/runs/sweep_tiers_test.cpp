// Which configurations the two-tier sweep simulates, and the agreement it reports.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.hpp"
#include "runs/sweep_spec.hpp"
#include "runs/sweep_tiers.hpp"

namespace lcperf::runs {
namespace {

std::vector<TierCandidate> candidates(int n) {
  std::vector<TierCandidate> c;
  for (int i = 0; i < n; ++i) c.push_back({std::string("k") + std::to_string(100 + i), static_cast<double>(i), false});
  return c;
}

TEST(SweepTiers, FirstRoundIsTheTopAndAnEvenSampleOfTheRest) {
  const std::vector<TierCandidate> c = candidates(20);  // estimate i: larger is better
  const SweepObjective maximize{"tokens_per_s", true};
  // Top 3 by estimate: 19, 18, 17; 17 left (16..0), a sample of 4 at floor((j + 1/2) * 17 / 4)
  // = 2, 6, 10, 14 of that order: estimates 14, 10, 6, 2.
  EXPECT_EQ(first_simulation_round(c, maximize, {false, 3, 4}), (std::vector<std::size_t>{19, 18, 17, 14, 10, 6, 2}));
  // Minimizing reverses the order.
  EXPECT_EQ(first_simulation_round(c, {"iteration_time_s", false}, {false, 2, 0}), (std::vector<std::size_t>{0, 1}));
  // "all", and a selection larger than the sweep, take every candidate once.
  EXPECT_EQ(first_simulation_round(c, maximize, {true, 1, 0}).size(), 20u);
  EXPECT_EQ(first_simulation_round(c, maximize, {false, 16, 16}).size(), 20u);
  // Already simulated candidates are neither chosen nor counted.
  std::vector<TierCandidate> done = c;
  done[19].simulated = true;
  EXPECT_EQ(first_simulation_round(done, maximize, {false, 2, 0}), (std::vector<std::size_t>{18, 17}));
}

TEST(SweepTiers, RefinementRunsWhatStillBeatsTheBestSimulated) {
  std::vector<TierCandidate> c = candidates(10);
  c[9].simulated = true;
  c[7].simulated = true;
  const SweepObjective maximize{"tokens_per_s", true};
  // The best simulated value is 6.5: estimates 8 (not run) beat it; 9 and 7 are done.
  EXPECT_EQ(refinement_round(c, maximize, 6.5, 5), (std::vector<std::size_t>{8}));
  EXPECT_TRUE(refinement_round(c, maximize, 9.5, 5).empty());
  EXPECT_EQ(refinement_round(c, maximize, 2.5, 2), (std::vector<std::size_t>{8, 6}));
}

TEST(SweepTiers, AgreementIsTheMedianAndWorstRelativeError) {
  const EstimateAgreement a =
      estimate_agreement({{"a", 101, 100}, {"b", 90, 100}, {"c", 200, 200}, {"d", 52, 50}, {"e", 1, 0}});
  EXPECT_EQ(a.compared, 4u);  // a simulated value of 0 has no relative error
  EXPECT_DOUBLE_EQ(a.median_relative_error, 0.5 * (0.01 + 0.04));
  EXPECT_DOUBLE_EQ(a.worst_relative_error, 0.1);
  EXPECT_EQ(a.worst_key, "b");
}

TEST(SweepTiers, SimulateOptionIsParsedStrictly) {
  const std::string base = R"({"base": "b.json", "axes": {"parallel.tp": [1, 2]})";
  const SweepSpec defaults = parse_sweep_spec(base + "}", "s.json");
  EXPECT_FALSE(defaults.simulate.all);
  EXPECT_EQ(defaults.simulate.top, 16);
  EXPECT_EQ(defaults.simulate.sample, 16);
  EXPECT_TRUE(parse_sweep_spec(base + R"(, "simulate": "all"})", "s.json").simulate.all);
  const SweepSpec custom = parse_sweep_spec(base + R"(, "simulate": {"top": 4, "sample": 0}})", "s.json");
  EXPECT_EQ(custom.simulate.top, 4);
  EXPECT_EQ(custom.simulate.sample, 0);
  for (const char* bad : {R"("some")", R"({"tpo": 4})", R"({"top": 0})", R"({"sample": -1})", "3"}) {
    EXPECT_THROW(parse_sweep_spec(base + R"(, "simulate": )" + bad + "}", "s.json"), core::InputError) << bad;
  }
}

}  // namespace
}  // namespace lcperf::runs
