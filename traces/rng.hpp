#pragma once
// A small, fully specified pseudo-random generator for workload sampling.
//
// The standard library's engines are portable but its distributions
// (std::uniform_int_distribution and friends) are not: libstdc++, libc++ and MSVC turn
// the same engine output into different numbers. Sampled batches must be identical on
// every platform (tests hold golden values, and two runs of one scenario must agree),
// so this file defines both the engine and the conversions, in integer arithmetic only.
//
// Engine: xoshiro256** (Blackman and Vigna), seeded through splitmix64.
#include <cstdint>

namespace lcperf::traces {

// The splitmix64 output function: a bijective 64-bit mixer.
std::uint64_t mix64(std::uint64_t value);

class Rng {
 public:
  // Independent streams for (seed, stream): the stream is usually the training
  // iteration, so every iteration's batch can be regenerated on its own.
  Rng(std::uint64_t seed, std::uint64_t stream);

  std::uint64_t next();  // 64 uniformly distributed bits
  // Uniform in [0, bound) without modulo bias (rejection of the short top range).
  // bound must be positive.
  std::uint64_t below(std::uint64_t bound);
  // 53 uniformly distributed bits: a uniform point on a grid of 2^53 in [0, 1).
  std::uint64_t bits53() { return next() >> 11; }

 private:
  std::uint64_t state_[4];
};

}  // namespace lcperf::traces
