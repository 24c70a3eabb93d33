#pragma once
// Synthetic serving workloads: a renewal arrival process (Poisson, or gamma with a
// chosen burstiness) at a given rate, with prompt and output lengths that are fixed or
// drawn from a LengthDistribution.
//
// Deterministic by seed on a given platform (see random_variates.hpp for the libm
// caveat). Arrivals, prompt lengths and output lengths use three separate generator
// streams of the seed, so changing the length model leaves the arrival times as they
// were, and vice versa.
#include <cstdint>
#include <memory>
#include <string>

#include "traces/length_distribution.hpp"
#include "traces/serving_trace.hpp"

namespace lcperf::traces {

enum class ArrivalProcess {
  poisson,  // exponential gaps: memoryless, CV 1
  gamma,    // gamma gaps with coefficient of variation cv: > 1 bursty, < 1 regular
};

// Where a request's token count comes from.
class TokenLengths {
 public:
  static TokenLengths fixed(std::int64_t tokens);  // tokens >= 1
  // Draws with distribution.draw (a copy is kept, so the argument need not outlive it).
  static TokenLengths drawn_from(const LengthDistribution& distribution);

  std::int64_t draw(Rng& rng) const;
  std::string describe() const;  // "1024" or "dist(NAME)", for ServingTrace::source

 private:
  std::int64_t fixed_ = 0;
  std::shared_ptr<const LengthDistribution> distribution_;
};

struct SyntheticTraceSpec {
  std::string name = "synthetic";
  ArrivalProcess process = ArrivalProcess::poisson;
  double rate_per_s = 1.0;  // mean arrivals per second (> 0)
  double cv = 1.0;          // gamma only: std / mean of the gaps (> 0); 1 is Poisson-like
  // Stop after `count` requests or before the first arrival at or after `duration_s`,
  // whichever comes first; 0 leaves that limit off, and at least one must be set.
  std::int64_t count = 0;
  double duration_s = 0.0;
  TokenLengths prompt = TokenLengths::fixed(1024);
  TokenLengths output = TokenLengths::fixed(128);
  std::uint64_t seed = 0;
};

// The process starts at time 0 and the first request arrives one gap later (a renewal
// process observed from its start, not from an arrival). Ids are 0, 1, 2, ...; format
// "synthetic"; source lists the parameters. std::invalid_argument for a spec outside
// the ranges above.
ServingTrace generate_synthetic_trace(const SyntheticTraceSpec& spec);

// Stream numbers under the seed (documented so another tool can reproduce a draw).
inline constexpr std::uint64_t kArrivalStream = 0;
inline constexpr std::uint64_t kPromptStream = 1;
inline constexpr std::uint64_t kOutputStream = 2;

}  // namespace lcperf::traces
