#pragma once
// Flash-LLM's check on the tiny model: every linear weight (fused QKV, output, fused
// gate/up, down, LM head) magnitude-pruned to an unstructured sparsity and stored in
// Tiled-CSL (kernels/tiled_csl.hpp, fp16 values), then one decode step for a batch of
// sequences over a paged KV cache (kernels/paged_decode.hpp) with every linear layer
// either the Tiled-CSL SpMM or a dense GEMM on the identically rounded pruned weight.
// The two paths differ only in how the products are summed.
#include <cstdint>
#include <vector>

#include "tiny_model/tiny_weights.hpp"
#include "kernels/tiled_csl.hpp"

namespace lcperf::tiny {

struct SparseTinyModel {
  // The pruned model as the dense reference sees it: linear weights are the fp16
  // values Tiled-CSL encodes (tiled_csl_to_dense); embedding and norms are unchanged.
  TinyWeights pruned;
  struct Layer {
    kernels::TiledCsl wqkv, wo, w_gate_up, w_down;
  };
  std::vector<Layer> layers;
  kernels::TiledCsl lm_head;
};

// Throws core::InputError for a sparsity outside [0, 1) or a linear weight off the
// 128 x 64 tile grid (the message names the weight).
SparseTinyModel prune_to_tiled_csl(const TinyWeights& dense, double sparsity);

enum class LinearPath { dense_gemm, tiled_csl_spmm };

// K/V of a batch of sequences, per layer, in vLLM-style pages.
struct PagedKvCache {
  int block_size = 4;
  int max_blocks_per_seq = 0;
  std::vector<std::int32_t> block_table;   // [batch, max_blocks_per_seq] physical blocks
  std::vector<std::int32_t> seq_lens;      // cached tokens of each sequence
  std::vector<std::vector<float>> k, v;    // per layer: [blocks, block_size, heads_kv, head_dim]

  int batch() const { return static_cast<int>(seq_lens.size()); }
};

// Runs each context through the model (forward_block on `weights`, positions from 0) and
// pages its K/V, with room for `extra_tokens` more per sequence. Physical blocks are
// handed out in an order shuffled by `seed`, so block tables are not the identity.
PagedKvCache prefill_paged_cache(const TinyWeights& weights, const std::vector<std::vector<std::int32_t>>& contexts,
                                 int block_size, int extra_tokens, std::uint64_t seed);

// One decode step: token b sits at position cache.seq_lens[b]; its K/V are appended to
// the cache (seq_lens grow by one). Returns the logits [batch, vocab].
std::vector<float> decode_step(const SparseTinyModel& model, LinearPath path, PagedKvCache& cache,
                               const std::vector<std::int32_t>& tokens);

}  // namespace lcperf::tiny
