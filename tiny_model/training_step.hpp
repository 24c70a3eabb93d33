#pragma once
// A training batch of token sequences for the tiny model, and the unchunked reference
// step: every sequence run whole (one block each), forward then backward, gradients of
// all of them added, loss = summed token cross-entropy / all tokens of the batch.
#include <cstdint>
#include <vector>

#include "tiny_model/tiny_weights.hpp"

namespace lcperf::tiny {

struct TokenSequence {
  std::vector<std::int32_t> tokens;  // inputs
  std::vector<std::int32_t> labels;  // next-token targets, one per input
};

// Sequences of the given lengths with tokens drawn from `seed` (labels are the tokens
// shifted by one, the last one drawn too). Throws core::InputError for a length < 1.
std::vector<TokenSequence> random_sequences(const std::vector<std::int64_t>& lengths, int vocab, std::uint64_t seed);

std::int64_t total_tokens(const std::vector<TokenSequence>& sequences);

struct StepResult {
  double loss = 0;      // mean token cross-entropy over the batch
  TinyWeights grads;    // d loss / d parameter
};

StepResult unchunked_step(const TinyWeights& weights, const std::vector<TokenSequence>& sequences);

}  // namespace lcperf::tiny
