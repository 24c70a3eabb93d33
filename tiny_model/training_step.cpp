#include "tiny_model/training_step.hpp"

#include <numeric>
#include <string>

#include "tiny_model/tiny_model.hpp"
#include "core/errors.hpp"

namespace lcperf::tiny {

std::vector<TokenSequence> random_sequences(const std::vector<std::int64_t>& lengths, int vocab, std::uint64_t seed) {
  std::uint64_t state = seed;
  const auto next_token = [&] {  // 64-bit LCG, high bits: portable and plenty for token ids
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::int32_t>((state >> 33) % static_cast<std::uint64_t>(vocab));
  };
  std::vector<TokenSequence> out;
  for (std::size_t s = 0; s < lengths.size(); ++s) {
    if (lengths[s] < 1) {
      throw core::InputError("random_sequences: sequence " + std::to_string(s) + " has length " +
                             std::to_string(lengths[s]) + " (must be >= 1)");
    }
    std::vector<std::int32_t> stream(static_cast<std::size_t>(lengths[s] + 1));
    for (auto& t : stream) t = next_token();
    out.push_back({{stream.begin(), stream.end() - 1}, {stream.begin() + 1, stream.end()}});
  }
  return out;
}

std::int64_t total_tokens(const std::vector<TokenSequence>& sequences) {
  return std::accumulate(sequences.begin(), sequences.end(), std::int64_t{0},
                         [](std::int64_t n, const TokenSequence& s) { return n + static_cast<std::int64_t>(s.tokens.size()); });
}

StepResult unchunked_step(const TinyWeights& weights, const std::vector<TokenSequence>& sequences) {
  const std::int64_t total = total_tokens(sequences);
  if (total == 0) throw core::InputError("unchunked step: the batch has no tokens");
  StepResult result{0, zero_weights(weights.config)};
  double loss_sum = 0;
  for (const TokenSequence& s : sequences) {
    TokenBlock block;
    block.tokens = s.tokens;
    block.labels = s.labels;
    block.positions.resize(s.tokens.size());
    std::iota(block.positions.begin(), block.positions.end(), std::int64_t{0});
    block.seq_lens = {static_cast<std::int32_t>(s.tokens.size())};
    const BlockActivations acts = forward_block(weights, block, {});
    loss_sum += acts.loss_sum;
    backward_block(weights, block, {}, acts, static_cast<float>(1.0 / static_cast<double>(total)), {}, result.grads, {});
  }
  result.loss = loss_sum / static_cast<double>(total);
  return result;
}

}  // namespace lcperf::tiny
