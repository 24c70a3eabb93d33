#include "tiny_model/token_block.hpp"

#include <numeric>
#include <string>

#include "core/errors.hpp"

namespace lcperf::tiny {

void validate(const TokenBlock& block, int vocab) {
  const std::size_t t = block.tokens.size();
  if (t == 0) throw core::InputError("token block: no tokens");
  if (block.labels.size() != t || block.positions.size() != t) {
    throw core::InputError("token block: " + std::to_string(t) + " tokens but " + std::to_string(block.labels.size()) +
                           " labels and " + std::to_string(block.positions.size()) + " positions");
  }
  const std::int64_t packed = std::accumulate(block.seq_lens.begin(), block.seq_lens.end(), std::int64_t{0});
  if (packed != static_cast<std::int64_t>(t)) {
    throw core::InputError("token block: sequence lengths sum to " + std::to_string(packed) + ", not the " +
                           std::to_string(t) + " tokens");
  }
  if (block.prefix_tokens < 0 || (block.prefix_tokens > 0 && block.seq_lens.size() != 1)) {
    throw core::InputError("token block: a KV prefix needs exactly one sequence in the block");
  }
  for (std::size_t i = 0; i < t; ++i) {
    if (block.tokens[i] < 0 || block.tokens[i] >= vocab || block.labels[i] < 0 || block.labels[i] >= vocab) {
      throw core::InputError("token block: token or label at " + std::to_string(i) + " outside the vocabulary [0, " +
                             std::to_string(vocab) + ")");
    }
  }
}

}  // namespace lcperf::tiny
