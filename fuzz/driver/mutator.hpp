#pragma once
// Deterministic mutations for the standalone fuzz driver: the same seed gives the same
// inputs on every machine (a splitmix64 stream, no std:: distributions, whose results
// differ between standard libraries). The mutations are the ones hostile inputs to
// lcperf's text formats are made of: bit flips, truncations, numbers swapped for
// extreme ones (1e309, -1, 2^63, NaN spellings), deleted and duplicated lines and JSON
// keys (duplicate keys), swapped lines and splices of other seeds.
#include <cstdint>
#include <string>
#include <vector>

namespace lcperf::fuzz {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  std::size_t below(std::size_t bound) { return bound == 0 ? 0 : static_cast<std::size_t>(next() % bound); }

 private:
  std::uint64_t state_;
};

// Tokens that break parsers and range checks: overflowing and subnormal numbers, the
// integer limits, NaN and infinity spellings, JSON's other types, a byte-order mark,
// structural characters and extreme timestamps.
const std::vector<std::string>& interesting_tokens();

// 1 to 4 stacked mutations of `input`; `others` (the seed corpus) feeds the splices.
std::string mutate(const std::string& input, const std::vector<std::string>& others, SplitMix64& rng);

}  // namespace lcperf::fuzz
