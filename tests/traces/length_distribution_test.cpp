// LengthDistribution: validation on construction and the report statistics (mean,
// quantile, fraction below) for histograms, both within-bin shapes, and samples.
#include "traces/length_distribution.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/errors.hpp"
#include "length_test_files.hpp"

namespace lcperf::traces {
namespace {

using testing::input_error_of;

LengthSource named(const std::string& origin) { return {"t", "", "", origin}; }

TEST(LengthDistribution, NormalisesWeights) {
  const LengthDistribution d({{1, 10, 3.0, WithinBin::uniform}, {11, 20, 1.0, WithinBin::uniform}}, named("h"));
  EXPECT_DOUBLE_EQ(d.bins()[0].weight, 0.75);
  EXPECT_DOUBLE_EQ(d.bins()[1].weight, 0.25);
  EXPECT_EQ(d.min_length(), 1);
  EXPECT_EQ(d.max_length(), 20);
  EXPECT_EQ(d.sample_count(), 0);
}

TEST(LengthDistribution, UniformStatisticsAreExact) {
  // 3/4 uniform on 1..10 (mean 5.5), 1/4 uniform on 11..20 (mean 15.5).
  const LengthDistribution d({{1, 10, 3.0, WithinBin::uniform}, {11, 20, 1.0, WithinBin::uniform}}, named("h"));
  EXPECT_DOUBLE_EQ(d.mean_length(), 0.75 * 5.5 + 0.25 * 15.5);
  EXPECT_DOUBLE_EQ(d.fraction_at_most(10), 0.75);
  EXPECT_DOUBLE_EQ(d.fraction_below(11), 0.75);
  EXPECT_DOUBLE_EQ(d.fraction_at_most(4), 0.3);
  EXPECT_DOUBLE_EQ(d.fraction_at_most(0), 0.0);
  EXPECT_DOUBLE_EQ(d.fraction_below(1), 0.0);
  EXPECT_DOUBLE_EQ(d.fraction_at_most(15), 0.75 + 0.25 * 0.5);
  EXPECT_DOUBLE_EQ(d.fraction_at_most(1000), 1.0);
  EXPECT_EQ(d.quantile(0.0), 1);
  EXPECT_EQ(d.quantile(0.29), 4);
  EXPECT_EQ(d.quantile(0.31), 5);
  EXPECT_EQ(d.quantile(0.75), 10);
  EXPECT_EQ(d.quantile(0.76), 11);
  EXPECT_EQ(d.quantile(1.0), 20);
}

TEST(LengthDistribution, LogUniformBinHasOneOverKMass) {
  // P(k) = (1/k) / H where H = 1 + 1/2 + 1/3 + 1/4 = 25/12.
  const LengthDistribution d({{1, 4, 1.0, WithinBin::log_uniform}}, named("h"));
  const double h = 25.0 / 12.0;
  EXPECT_NEAR(d.mean_length(), 4.0 / h, 1e-12);
  EXPECT_NEAR(d.fraction_at_most(1), 1.0 / h, 1e-12);
  EXPECT_NEAR(d.fraction_at_most(2), 1.5 / h, 1e-12);
  EXPECT_EQ(d.quantile(0.47), 1);  // the cdf at 1 is 0.48
  EXPECT_EQ(d.quantile(0.49), 2);
}

TEST(LengthDistribution, LogUniformWideBinMatchesTheContinuousLaw) {
  // For wide bins the discrete 1/k law approaches the continuous one: mean about
  // (b - a) / ln(b / a), median about sqrt(a * b).
  const LengthDistribution d({{4096, 32768, 1.0, WithinBin::log_uniform}}, named("h"));
  EXPECT_NEAR(d.mean_length(), (32768.0 - 4096.0) / std::log(8.0), 2.0);
  EXPECT_NEAR(static_cast<double>(d.quantile(0.5)), std::sqrt(4096.0 * 32768.0), 2.0);
  EXPECT_NEAR(d.fraction_at_most(8191), 1.0 / 3.0, 1e-4);
}

TEST(LengthDistribution, SamplesBecomeCountWeightedPointBins) {
  const LengthDistribution d = LengthDistribution::from_samples({5, 3, 5, 9, 5}, named("s"));
  EXPECT_EQ(d.sample_count(), 5);
  ASSERT_EQ(d.bins().size(), 3u);
  EXPECT_EQ(d.bins()[1].min, 5);
  EXPECT_DOUBLE_EQ(d.bins()[1].weight, 0.6);
  EXPECT_DOUBLE_EQ(d.mean_length(), 27.0 / 5.0);
  EXPECT_EQ(d.quantile(0.2), 3);
  EXPECT_EQ(d.quantile(0.5), 5);
  EXPECT_EQ(d.quantile(0.81), 9);
  EXPECT_DOUBLE_EQ(d.fraction_below(5), 0.2);
  EXPECT_DOUBLE_EQ(d.fraction_at_most(5), 0.8);
}

TEST(LengthDistribution, RejectsEmptyAndInvalidBins) {
  EXPECT_NE(input_error_of([] { LengthDistribution({}, named("e.json")); }).find("e.json: the distribution holds no lengths"),
            std::string::npos);
  EXPECT_NE(input_error_of([] { LengthDistribution::from_samples({}, named("e.csv")); }).find("no lengths"), std::string::npos);
  EXPECT_NE(input_error_of([] { LengthDistribution({{9, 3, 1.0, WithinBin::uniform}}, named("m")); })
                .find("m: bin 0: min 9 is greater than max 3"),
            std::string::npos);
  EXPECT_NE(input_error_of([] { LengthDistribution({{0, 3, 1.0, WithinBin::uniform}}, named("z")); }).find("min must be at least 1"),
            std::string::npos);
  EXPECT_NE(input_error_of([] { LengthDistribution({{1, 3, 0.0, WithinBin::uniform}}, named("w")); }).find("weight must be a positive"),
            std::string::npos);
  EXPECT_NE(input_error_of([] { LengthDistribution({{1, 3, -1.0, WithinBin::uniform}}, named("w")); }).find("weight must be a positive"),
            std::string::npos);
  EXPECT_NE(input_error_of([] {
              LengthDistribution({{1, 10, 1.0, WithinBin::uniform}, {10, 20, 1.0, WithinBin::uniform}}, named("o"));
            }).find("o: bin 1: bin [10, 20] overlaps"),
            std::string::npos);
  EXPECT_NE(input_error_of([] { LengthDistribution::from_samples({4, -2}, named("n")); }).find("n: sample 1: length must be in [1,"),
            std::string::npos);
}

TEST(LengthDistribution, QuantileOutsideUnitIntervalIsAProgrammingError) {
  const LengthDistribution d({{1, 4, 1.0, WithinBin::uniform}}, named("h"));
  EXPECT_THROW((void)d.quantile(1.5), std::invalid_argument);
  EXPECT_THROW((void)d.quantile(std::nan("")), std::invalid_argument);
}

}  // namespace
}  // namespace lcperf::traces
