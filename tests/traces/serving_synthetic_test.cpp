// Synthetic serving workloads: Poisson and gamma arrivals have the requested rate and
// burstiness, lengths come from the given model, and a seed fixes the trace.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "traces/length_files.hpp"
#include "traces/random_variates.hpp"
#include "traces/serving_synthetic.hpp"

namespace lcperf::traces {
namespace {

constexpr std::int64_t kMany = 100000;

struct GapStats {
  double mean = 0.0;
  double cv = 0.0;
};

// Gaps include the first one, measured from time 0 (the process starts there).
GapStats gap_stats(const ServingTrace& trace) {
  std::vector<double> gaps;
  double previous = 0.0;
  for (const ServingRequest& r : trace.requests) {
    gaps.push_back(r.arrival_s - previous);
    previous = r.arrival_s;
  }
  double sum = 0.0;
  for (double g : gaps) sum += g;
  GapStats stats;
  stats.mean = sum / static_cast<double>(gaps.size());
  double squares = 0.0;
  for (double g : gaps) squares += (g - stats.mean) * (g - stats.mean);
  stats.cv = std::sqrt(squares / static_cast<double>(gaps.size() - 1)) / stats.mean;
  return stats;
}

SyntheticTraceSpec poisson(double rate, std::int64_t count, std::uint64_t seed) {
  SyntheticTraceSpec spec;
  spec.rate_per_s = rate;
  spec.count = count;
  spec.seed = seed;
  return spec;
}

TEST(ServingSynthetic, PoissonMeanGapIsOneOverTheRate) {
  const ServingTrace trace = generate_synthetic_trace(poisson(4.0, kMany, 7));
  ASSERT_EQ(static_cast<std::int64_t>(trace.requests.size()), kMany);
  const GapStats stats = gap_stats(trace);
  // Standard error of the mean gap: 0.25 / sqrt(1e5) = 7.9e-4; allow about 4 of them.
  EXPECT_NEAR(stats.mean, 0.25, 0.003);
  EXPECT_NEAR(stats.cv, 1.0, 0.02);
  EXPECT_EQ(trace.format, "synthetic");
  EXPECT_EQ(trace.source, "poisson rate=4/s count=100000 prompt=1024 output=128 seed=7");
  for (std::size_t i = 0; i < trace.requests.size(); ++i) {
    ASSERT_EQ(trace.requests[i].id, static_cast<std::int64_t>(i));
    ASSERT_EQ(trace.requests[i].prompt_tokens, 1024);
    ASSERT_EQ(trace.requests[i].output_tokens, 128);
    if (i > 0) {
      ASSERT_GE(trace.requests[i].arrival_s, trace.requests[i - 1].arrival_s);
    }
  }
}

TEST(ServingSynthetic, PoissonIsDeterministicBySeed) {
  const ServingTrace a = generate_synthetic_trace(poisson(2.0, 1000, 42));
  const ServingTrace b = generate_synthetic_trace(poisson(2.0, 1000, 42));
  const ServingTrace c = generate_synthetic_trace(poisson(2.0, 1000, 43));
  ASSERT_EQ(a.requests.size(), b.requests.size());
  for (std::size_t i = 0; i < a.requests.size(); ++i) ASSERT_EQ(a.requests[i].arrival_s, b.requests[i].arrival_s);
  EXPECT_NE(a.requests[0].arrival_s, c.requests[0].arrival_s);
  // Golden values (glibc x86-64). log() may differ in the last bit on another libm,
  // hence the relative tolerance rather than exact equality.
  // Cross-checked against an independent Python model of rng.cpp and the sampler.
  const double golden[] = {1.6186043120402118, 2.1335930813594928, 2.2185455259551219, 2.4559826286830799, 2.7994976226247417};
  for (std::size_t i = 0; i < std::size(golden); ++i) {
    EXPECT_NEAR(a.requests[i].arrival_s, golden[i], 1e-12 * golden[i]) << i;
  }
}

TEST(ServingSynthetic, GammaHasTheRequestedRateAndCv) {
  for (const double cv : {0.5, 2.0, 4.0}) {
    SyntheticTraceSpec spec = poisson(10.0, kMany, 3);
    spec.process = ArrivalProcess::gamma;
    spec.cv = cv;
    const GapStats stats = gap_stats(generate_synthetic_trace(spec));
    // Four standard errors of the mean gap (0.1 * cv / sqrt(n)).
    EXPECT_NEAR(stats.mean, 0.1, 0.1 * 4.0 * cv / std::sqrt(static_cast<double>(kMany))) << cv;
    // 5% relative: the sample CV's relative error is about sqrt((6 cv^2 + 2) / n) / 2,
    // 1.6% at cv 4 where the gaps' kurtosis is largest.
    EXPECT_NEAR(stats.cv, cv, 0.05 * cv) << cv;
  }
}

TEST(ServingSynthetic, GammaIsDeterministicBySeed) {
  SyntheticTraceSpec spec = poisson(1.0, 5, 11);
  spec.process = ArrivalProcess::gamma;
  spec.cv = 2.0;
  const ServingTrace a = generate_synthetic_trace(spec);
  // Shape 1/cv^2 = 0.25 (the boosted branch), scale 4; cross-checked in Python as above.
  const double golden[] = {0.0011218256411838563, 0.56376590756586831, 0.56613686512812911, 0.57735094175394031, 0.98844856105020196};
  ASSERT_EQ(a.requests.size(), std::size(golden));
  for (std::size_t i = 0; i < std::size(golden); ++i) {
    EXPECT_NEAR(a.requests[i].arrival_s, golden[i], 1e-12 * golden[i]) << i;
  }
  EXPECT_EQ(a.source, "gamma cv=2 rate=1/s count=5 prompt=1024 output=128 seed=11");
}

TEST(ServingSynthetic, DurationStopsBeforeTheEnd) {
  SyntheticTraceSpec spec = poisson(50.0, 0, 5);
  spec.duration_s = 200.0;
  const ServingTrace trace = generate_synthetic_trace(spec);
  EXPECT_LT(trace.requests.back().arrival_s, 200.0);
  // 10,000 expected; Poisson count std is 100.
  EXPECT_NEAR(static_cast<double>(trace.requests.size()), 10000.0, 500.0);
  spec.count = 10;  // whichever limit comes first
  EXPECT_EQ(generate_synthetic_trace(spec).requests.size(), 10u);
}

TEST(ServingSynthetic, LengthsFromADistributionLeaveArrivalsUnchanged) {
  const LengthDistribution lengths = load_length_distribution("lmsys-chat-like");
  SyntheticTraceSpec fixed = poisson(1.0, 2000, 9);
  SyntheticTraceSpec drawn = fixed;
  drawn.prompt = TokenLengths::drawn_from(lengths);
  drawn.output = TokenLengths::fixed(7);
  const ServingTrace a = generate_synthetic_trace(fixed);
  const ServingTrace b = generate_synthetic_trace(drawn);
  for (std::size_t i = 0; i < b.requests.size(); ++i) {
    ASSERT_EQ(a.requests[i].arrival_s, b.requests[i].arrival_s);  // separate streams
    ASSERT_EQ(b.requests[i].output_tokens, 7);
    ASSERT_GE(b.requests[i].prompt_tokens, lengths.min_length());
    ASSERT_LE(b.requests[i].prompt_tokens, lengths.max_length());
  }
  // The prompts are the distribution's own draws on the prompt stream.
  Rng prompts(9, kPromptStream);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(b.requests[i].prompt_tokens, lengths.draw(prompts));
  EXPECT_NE(b.source.find("prompt=dist(lmsys-chat-like) output=7"), std::string::npos) << b.source;
}

TEST(ServingSynthetic, RejectsImpossibleSpecs) {
  EXPECT_THROW(generate_synthetic_trace(poisson(0.0, 10, 1)), std::invalid_argument);
  EXPECT_THROW(generate_synthetic_trace(poisson(1.0, 0, 1)), std::invalid_argument);  // no limit
  SyntheticTraceSpec spec = poisson(1.0, 10, 1);
  spec.process = ArrivalProcess::gamma;
  spec.cv = 0.0;
  EXPECT_THROW(generate_synthetic_trace(spec), std::invalid_argument);
  EXPECT_THROW(TokenLengths::fixed(0), std::invalid_argument);
}

TEST(ServingVariates, NormalAndSmallShapeGammaMoments) {
  Rng rng(1, 0);
  double sum = 0.0;
  double squares = 0.0;
  for (int i = 0; i < kMany; ++i) {
    const double z = standard_normal(rng);
    sum += z;
    squares += z * z;
  }
  EXPECT_NEAR(sum / kMany, 0.0, 0.015);
  EXPECT_NEAR(squares / kMany, 1.0, 0.02);
  // Shape 0.25 goes through the boosting branch: mean k*theta = 0.5, variance k*theta^2 = 1.
  double gamma_sum = 0.0;
  double gamma_squares = 0.0;
  for (int i = 0; i < kMany; ++i) {
    const double g = gamma_variate(rng, 0.25, 2.0);
    ASSERT_GE(g, 0.0);
    gamma_sum += g;
    gamma_squares += g * g;
  }
  const double mean = gamma_sum / kMany;
  EXPECT_NEAR(mean, 0.5, 0.015);
  EXPECT_NEAR(gamma_squares / kMany - mean * mean, 1.0, 0.08);
  const double u = uniform_open01(rng);
  EXPECT_GT(u, 0.0);
  EXPECT_LT(u, 1.0);
  EXPECT_THROW(gamma_variate(rng, -1.0, 1.0), std::invalid_argument);
}

}  // namespace
}  // namespace lcperf::traces
