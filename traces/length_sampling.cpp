#include "traces/length_sampling.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace lcperf::traces {

std::vector<std::int64_t> sample_global_batch(const LengthDistribution& distribution, int batch_size, std::uint64_t seed,
                                              std::int64_t iteration, std::int64_t max_length) {
  if (batch_size <= 0) throw std::invalid_argument("sample_global_batch: batch_size must be positive (got " + std::to_string(batch_size) + ")");
  if (max_length < 0) {
    throw std::invalid_argument("sample_global_batch: max_length must be 0 (no cap) or positive (got " + std::to_string(max_length) + ")");
  }
  // The iteration's bits name the stream; negative iterations are simply other streams.
  Rng rng(seed, static_cast<std::uint64_t>(iteration));
  std::vector<std::int64_t> lengths;
  lengths.reserve(static_cast<std::size_t>(batch_size));
  for (int i = 0; i < batch_size; ++i) {
    const std::int64_t length = distribution.draw(rng);
    lengths.push_back(max_length > 0 ? std::min(length, max_length) : length);
  }
  return lengths;
}

}  // namespace lcperf::traces
