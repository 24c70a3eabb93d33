#pragma once
// Decode attention over a paged KV cache (vLLM-style block tables), fp32 CPU reference.
//   q, out        [batch, heads_q, head_dim]   one new token per sequence
//   k_cache, v_cache [num_blocks, block_size, heads_kv, head_dim]
//   block_table   [batch, max_blocks_per_seq]  physical block of each logical block
//   seq_lens      [batch]                      keys in the cache, the new token's included
//   lse           [batch, heads_q]
// The decode token sees every cached key (no mask); dims.causal is ignored.
#include <cstdint>

#include "kernels/attention.hpp"

namespace lcperf::kernels {

struct PagedKv {
  const float* k_cache = nullptr;
  const float* v_cache = nullptr;
  int block_size = 16;
  const std::int32_t* block_table = nullptr;
  int max_blocks_per_seq = 0;
  const std::int32_t* seq_lens = nullptr;
};

void paged_decode_attention_cpu(const AttentionDims& dims, int batch, const float* q, const PagedKv& kv, float* out,
                                float* lse);

}  // namespace lcperf::kernels
