// The shipped distributions in traces/data: each loads by id and by path, carries its
// provenance, and has the published shape it claims.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "length_test_files.hpp"
#include "traces/length_files.hpp"
#include "traces/length_sampling.hpp"

namespace lcperf::traces {
namespace {

using testing::shipped;

constexpr int kMany = 100000;
constexpr std::int64_t k1K = 1024;
constexpr std::int64_t k4K = 4096;
constexpr std::int64_t k32K = 32768;

double share(const std::vector<std::int64_t>& lengths, std::int64_t lo, std::int64_t hi) {
  return static_cast<double>(std::count_if(lengths.begin(), lengths.end(), [&](std::int64_t n) { return n >= lo && n <= hi; })) /
         static_cast<double>(lengths.size());
}

TEST(LengthData, EveryShippedFileLoadsByIdAndByPath) {
  for (const char* id : {"lmsys-chat-like", "chunkflow-long-sft", "longalpaca-like", "vidur-arxiv-summarization"}) {
    const LengthDistribution by_id = load_length_distribution(id);
    EXPECT_FALSE(by_id.bins().empty()) << id;
    EXPECT_EQ(by_id.info().name, id);
    const std::string path = length_distribution_path(id);
    EXPECT_EQ(load_length_distribution(path).bins().size(), by_id.bins().size()) << path;
  }
}

TEST(LengthData, ShippedHistogramsStateSourceAndLicence) {
  for (const char* file : {"lmsys-chat-like.json", "chunkflow-long-sft.json", "longalpaca-like.json"}) {
    const LengthDistribution d = load_length_distribution(shipped(file));
    EXPECT_FALSE(d.info().source.empty()) << file;
    EXPECT_FALSE(d.info().licence.empty()) << file;
  }
  EXPECT_NE(load_length_distribution(shipped("lmsys-chat-like.json")).info().source.find("NOT the dataset"), std::string::npos);
}

TEST(LengthData, LmsysLikeIsMostlyUnder4KWithAThinTailTo300K) {
  const LengthDistribution d = load_length_distribution("lmsys-chat-like");
  EXPECT_GT(d.fraction_at_most(k4K), 0.99);
  EXPECT_LT(d.fraction_at_most(k4K), 0.995);
  EXPECT_LE(d.max_length(), 300000);
  EXPECT_GE(d.max_length(), 250000);
  EXPECT_GT(1.0 - d.fraction_at_most(k32K), 0.0);
  EXPECT_LT(1.0 - d.fraction_at_most(k32K), 0.0005);
  const auto lengths = sample_global_batch(d, kMany, 1, 0);
  EXPECT_GT(share(lengths, 1, k4K), 0.99);
  EXPECT_LE(*std::max_element(lengths.begin(), lengths.end()), 300000);
}

TEST(LengthData, ChunkflowMixIs90_8_2_AndUnderATenthOfAPercentAbove32K) {
  const LengthDistribution d = load_length_distribution("chunkflow-long-sft");
  EXPECT_NEAR(d.fraction_at_most(k1K), 0.90, 1e-12);
  EXPECT_NEAR(d.fraction_at_most(k4K) - d.fraction_at_most(k1K), 0.08, 1e-12);
  EXPECT_NEAR(d.fraction_at_most(k32K) - d.fraction_at_most(k4K), 0.02, 0.001);
  EXPECT_LT(1.0 - d.fraction_at_most(k32K), 0.001);
  EXPECT_GT(1.0 - d.fraction_at_most(k32K), 0.0);
  EXPECT_EQ(d.max_length(), 256 * k1K);

  const auto lengths = sample_global_batch(d, kMany, 1, 0);
  EXPECT_NEAR(share(lengths, 1, k1K), 0.90, 0.004);            // 4 sigma = 0.0038
  EXPECT_NEAR(share(lengths, k1K + 1, k4K), 0.08, 0.0035);      // 4 sigma = 0.0034
  EXPECT_NEAR(share(lengths, k4K + 1, k32K), 0.02, 0.002);      // 4 sigma = 0.0017 (+ the 1.91% vs 2%)
  EXPECT_LT(share(lengths, k32K + 1, 256 * k1K), 0.0013);       // 0.09% + 4 sigma
}

TEST(LengthData, LongAlpacaLikeHasThePublishedSharesAndMean) {
  const LengthDistribution d = load_length_distribution("longalpaca-like");
  // Shares of the 9,339 samples on the dataset card.
  const std::vector<double> counts = {1144, 1103, 2245, 990, 3661, 196};
  ASSERT_EQ(d.bins().size(), counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) EXPECT_NEAR(d.bins()[i].weight, counts[i] / 9339.0, 1e-12);
  EXPECT_NEAR(d.mean_length(), 18293.0, 1.0);
  EXPECT_GT(d.fraction_at_most(k32K), 0.97);
}

TEST(LengthData, VidurArxivSamplesLoadAsPrefillPlusDecode) {
  const LengthDistribution d = load_length_distribution("vidur-arxiv-summarization");
  EXPECT_EQ(d.sample_count(), 28257);
  // Published for num_total_tokens (= prefill + decode): min 39, mean 2,879.5, max 4,096.
  EXPECT_EQ(d.min_length(), 39);
  EXPECT_EQ(d.max_length(), 4096);
  EXPECT_NEAR(d.mean_length(), 2879.5, 0.1);
  const auto lengths = sample_global_batch(d, 1000, 1, 0);
  EXPECT_TRUE(std::all_of(lengths.begin(), lengths.end(), [](std::int64_t n) { return n >= 39 && n <= 4096; }));
}

}  // namespace
}  // namespace lcperf::traces
