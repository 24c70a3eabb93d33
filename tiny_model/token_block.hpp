#pragma once
// A block of tokens the tiny model runs at once, and the K/V of earlier tokens it may
// attend to. One block is a packed ChunkFlow standalone chunk (several whole sequences,
// block-diagonal causal), one dependent chunk of a long sequence (its tokens after a KV
// prefix of the same sequence), or one whole sequence (the unchunked baseline).
#include <cstdint>
#include <vector>

namespace lcperf::tiny {

struct TokenBlock {
  std::vector<std::int32_t> tokens;     // [T] inputs
  std::vector<std::int32_t> labels;     // [T] next-token targets
  std::vector<std::int64_t> positions;  // [T] RoPE positions: index inside the parent sequence
  std::vector<std::int32_t> seq_lens;   // the packed sequences' lengths, summing to T
  std::int64_t prefix_tokens = 0;       // earlier tokens of the (single) sequence attended to

  std::int64_t size() const { return static_cast<std::int64_t>(tokens.size()); }
};

// Per layer, the post-RoPE K and the V of the prefix: [prefix_tokens, heads_kv, head_dim].
struct KvPrefix {
  std::vector<const float*> k;
  std::vector<const float*> v;
};

// Per layer, where the gradients of the prefix K/V are added (same layout as KvPrefix).
struct KvPrefixGrad {
  std::vector<float*> dk;
  std::vector<float*> dv;
};

// Per layer, gradients that later blocks already added to this block's own K/V
// ([T, heads_kv, head_dim]); empty vectors or null entries mean none.
struct KvOwnGrad {
  std::vector<const float*> dk;
  std::vector<const float*> dv;
};

// Throws core::InputError when the block is inconsistent (sizes differ, lengths do not
// sum to T, a prefix with more than one packed sequence, a token outside the vocabulary).
void validate(const TokenBlock& block, int vocab);

}  // namespace lcperf::tiny
