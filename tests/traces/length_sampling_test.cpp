// sample_global_batch: determinism per (seed, iteration), independence across streams,
// agreement of empirical frequencies with the weights, the cap, and a golden batch.
#include "traces/length_sampling.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "length_test_files.hpp"
#include "traces/length_files.hpp"

namespace lcperf::traces {
namespace {

using testing::shipped;

constexpr int kMany = 100000;

// |observed - expected| within 4 binomial standard deviations (plus one count, so bins
// with tiny weights are not held to a zero-width band).
void expect_fraction(std::int64_t hits, int trials, double p, const std::string& what) {
  const double sigma = std::sqrt(p * (1.0 - p) / trials);
  const double observed = static_cast<double>(hits) / trials;
  EXPECT_LE(std::abs(observed - p), 4.0 * sigma + 1.0 / trials) << what << ": observed " << observed << ", expected " << p;
}

std::int64_t count_in(const std::vector<std::int64_t>& lengths, std::int64_t lo, std::int64_t hi) {
  return std::count_if(lengths.begin(), lengths.end(), [&](std::int64_t n) { return n >= lo && n <= hi; });
}

TEST(LengthSampling, SameSeedAndIterationGiveTheSameBatch) {
  const LengthDistribution d = load_length_distribution(shipped("chunkflow-long-sft.json"));
  EXPECT_EQ(sample_global_batch(d, 256, 7, 42), sample_global_batch(d, 256, 7, 42));
  EXPECT_EQ(sample_global_batch(d, 256, 7, 42, 32768), sample_global_batch(d, 256, 7, 42, 32768));
}

TEST(LengthSampling, DifferentIterationsAndSeedsGiveDifferentBatches) {
  const LengthDistribution d = load_length_distribution(shipped("chunkflow-long-sft.json"));
  const auto base = sample_global_batch(d, 64, 7, 0);
  EXPECT_NE(base, sample_global_batch(d, 64, 7, 1));
  EXPECT_NE(base, sample_global_batch(d, 64, 8, 0));
  EXPECT_NE(sample_global_batch(d, 64, 1, 2), sample_global_batch(d, 64, 2, 1));  // seed and iteration do not commute
}

TEST(LengthSampling, SampleIDoesNotDependOnTheBatchSize) {
  const LengthDistribution d = load_length_distribution(shipped("lmsys-chat-like.json"));
  const auto big = sample_global_batch(d, 256, 3, 9);
  const auto small = sample_global_batch(d, 8, 3, 9);
  EXPECT_TRUE(std::equal(small.begin(), small.end(), big.begin()));
}

TEST(LengthSampling, BinFrequenciesMatchTheWeights) {
  for (const char* file : {"chunkflow-long-sft.json", "lmsys-chat-like.json", "longalpaca-like.json"}) {
    const LengthDistribution d = load_length_distribution(shipped(file));
    const auto lengths = sample_global_batch(d, kMany, 1, 0);
    for (const LengthBin& bin : d.bins()) {
      expect_fraction(count_in(lengths, bin.min, bin.max), kMany, bin.weight,
                      std::string(file) + " [" + std::to_string(bin.min) + ", " + std::to_string(bin.max) + "]");
    }
  }
}

TEST(LengthSampling, ShapesInsideABinMatchTheirCdf) {
  for (const WithinBin shape : {WithinBin::uniform, WithinBin::log_uniform}) {
    const LengthDistribution d({{1000, 50000, 1.0, shape}}, {"t", "", "", "t"});
    const auto lengths = sample_global_batch(d, kMany, 5, 0);
    EXPECT_GE(*std::min_element(lengths.begin(), lengths.end()), 1000);
    EXPECT_LE(*std::max_element(lengths.begin(), lengths.end()), 50000);
    for (const std::int64_t n : {1500, 3000, 7000, 20000, 40000}) {
      expect_fraction(count_in(lengths, 1, n), kMany, d.fraction_at_most(n), std::string(to_string(shape)) + " <= " + std::to_string(n));
    }
    double sum = 0.0;
    for (const std::int64_t n : lengths) sum += static_cast<double>(n);
    EXPECT_NEAR(sum / kMany / d.mean_length(), 1.0, 0.01) << to_string(shape);
  }
}

TEST(LengthSampling, EveryLengthOfANarrowBinIsDrawnWithItsMass) {
  // Log-uniform on 3..5: P(k) = (1/k) / (1/3 + 1/4 + 1/5); crossing the power of two at 4
  // exercises two blocks of the integer sampler.
  for (const WithinBin shape : {WithinBin::uniform, WithinBin::log_uniform}) {
    const LengthDistribution d({{3, 5, 1.0, shape}}, {"t", "", "", "t"});
    const auto lengths = sample_global_batch(d, kMany, 2, 0);
    for (std::int64_t k = 3; k <= 5; ++k) {
      expect_fraction(count_in(lengths, k, k), kMany, d.fraction_at_most(k) - d.fraction_below(k),
                      std::string(to_string(shape)) + " k=" + std::to_string(k));
    }
    EXPECT_EQ(count_in(lengths, 3, 5), kMany);
  }
}

TEST(LengthSampling, EmpiricalDistributionReproducesItsSamples) {
  const LengthDistribution d = LengthDistribution::from_samples({10, 20, 20, 30}, {"s", "", "", "s"});
  const auto lengths = sample_global_batch(d, kMany, 11, 0);
  expect_fraction(count_in(lengths, 10, 10), kMany, 0.25, "10");
  expect_fraction(count_in(lengths, 20, 20), kMany, 0.50, "20");
  expect_fraction(count_in(lengths, 30, 30), kMany, 0.25, "30");
  EXPECT_EQ(count_in(lengths, 10, 30), kMany);
}

TEST(LengthSampling, CapClipsLongSamplesToTheContextLength) {
  const LengthDistribution d = load_length_distribution(shipped("chunkflow-long-sft.json"));
  const auto capped = sample_global_batch(d, kMany, 1, 0, 32768);
  const auto free = sample_global_batch(d, kMany, 1, 0);
  EXPECT_EQ(*std::max_element(capped.begin(), capped.end()), 32768);
  EXPECT_GT(*std::max_element(free.begin(), free.end()), 32768);
  for (std::size_t i = 0; i < free.size(); ++i) ASSERT_EQ(capped[i], std::min<std::int64_t>(free[i], 32768));
}

TEST(LengthSampling, RejectsBadArguments) {
  const LengthDistribution d = load_length_distribution(shipped("chunkflow-long-sft.json"));
  EXPECT_THROW(sample_global_batch(d, 0, 1, 0), std::invalid_argument);
  EXPECT_THROW(sample_global_batch(d, -4, 1, 0), std::invalid_argument);
  EXPECT_THROW(sample_global_batch(d, 4, 1, 0, -1), std::invalid_argument);
}

// Golden values, computed once from this implementation: any change to the generator,
// the integer conversions, the threshold arithmetic or the shipped file shows up here,
// and a platform that disagrees is not deterministic.
TEST(LengthSampling, GoldenChunkflowBatchSeed1Iteration0) {
  const LengthDistribution d = load_length_distribution(shipped("chunkflow-long-sft.json"));
  const std::vector<std::int64_t> expected = {724, 688, 285, 521, 31, 353, 76, 210};
  EXPECT_EQ(sample_global_batch(d, 8, 1, 0), expected);
}

TEST(LengthSampling, GoldenLogUniformBatch) {
  // Exercises the integer 1/k sampler across many power-of-two blocks.
  const LengthDistribution d({{1000, 300000, 1.0, WithinBin::log_uniform}}, {"t", "", "", "t"});
  const std::vector<std::int64_t> expected = {91346, 8346, 25341, 45876, 24340, 1701, 83312, 15830};
  EXPECT_EQ(sample_global_batch(d, 8, 1, 0), expected);
}

TEST(LengthSampling, Splitmix64MatchesItsPublishedOutput) {
  // splitmix64 seeded with 1234567 starts 6457827717110365317, 3203168211198807973.
  constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;
  EXPECT_EQ(mix64(1234567 + kGolden), 6457827717110365317ULL);
  EXPECT_EQ(mix64(1234567 + 2 * kGolden), 3203168211198807973ULL);
}

TEST(LengthSampling, GoldenGeneratorOutput) {
  Rng rng(1, 0);
  const std::vector<std::uint64_t> expected = {11509010720770457955ULL, 14348581831752510163ULL, 12230928114702312658ULL,
                                                14622748122777246383ULL};
  std::vector<std::uint64_t> actual;
  for (std::size_t i = 0; i < expected.size(); ++i) actual.push_back(rng.next());
  EXPECT_EQ(actual, expected);
}

}  // namespace
}  // namespace lcperf::traces
