#include "traces/rng.hpp"

#include <stdexcept>

namespace lcperf::traces {
namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;  // 2^64 / golden ratio, splitmix's step

constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

std::uint64_t mix64(std::uint64_t value) {
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ULL;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBULL;
  return value ^ (value >> 31);
}

Rng::Rng(std::uint64_t seed, std::uint64_t stream) {
  // Mixing seed and stream separately before combining keeps (s, t) and (t, s), or
  // neighbouring seeds and iterations, from landing on related states.
  std::uint64_t splitmix = mix64(seed) ^ mix64(stream + kGolden);
  for (std::uint64_t& word : state_) {
    splitmix += kGolden;
    word = mix64(splitmix);
  }
  // An all-zero state would be a fixed point; splitmix cannot give four zero words in
  // a row, but the guard makes the invariant explicit.
  if ((state_[0] | state_[1] | state_[2] | state_[3]) == 0) state_[0] = kGolden;
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("Rng::below: bound must be positive");
  // 2^64 mod bound values at the bottom would make the low residues more likely;
  // drawing again when we land there leaves a range that is a multiple of bound.
  const std::uint64_t reject_under = (0 - bound) % bound;
  for (;;) {
    const std::uint64_t x = next();
    if (x >= reject_under) return x % bound;
  }
}

}  // namespace lcperf::traces
