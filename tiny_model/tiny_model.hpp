#pragma once
// Forward and hand-written backward of the tiny transformer (tiny_config.hpp) over one
// TokenBlock, on the kernels/cpu functions: GEMM, RMSNorm, RoPE, varlen attention with
// a KV prefix (bottom-right causal, GQA, LSE), SwiGLU, cross-entropy, and their
// backwards. RoPE's backward is RoPE at the negated positions (a rotation's transpose).
//
// The block's loss is the sum of its tokens' cross-entropies; backward takes the scale
// that turns the step's summed loss into its mean (1 / tokens of the whole step), so
// blocks of one step add their gradients into one accumulator.
#include <vector>

#include "tiny_model/tiny_weights.hpp"
#include "tiny_model/token_block.hpp"

namespace lcperf::tiny {

// What backward needs from a block's forward (the "activations" ChunkFlow keeps for K
// chunks). k and v are the block's own post-RoPE K and V: what the state store keeps.
struct LayerActivations {
  std::vector<float> x_in;     // [T, hidden] layer input
  std::vector<float> h_attn;   // [T, hidden] normed input of QKV
  std::vector<float> q;        // [T, heads_q, head_dim] post-RoPE
  std::vector<float> k;        // [T, heads_kv, head_dim] post-RoPE
  std::vector<float> v;        // [T, heads_kv, head_dim]
  std::vector<float> attn;     // [T, heads_q * head_dim] attention output
  std::vector<float> lse;      // [T, heads_q]
  std::vector<float> x_mid;    // [T, hidden] after the attention residual
  std::vector<float> h_mlp;    // [T, hidden] normed input of the MLP
  std::vector<float> gate_up;  // [T, 2 * ffn]
  std::vector<float> act;      // [T, ffn] SwiGLU output
};

struct BlockActivations {
  std::vector<LayerActivations> layers;
  std::vector<float> x_final;  // [T, hidden]
  std::vector<float> h_final;  // [T, hidden]
  std::vector<float> logits;   // [T, vocab]
  double loss_sum = 0;         // sum of the block's token cross-entropies
};

// `prefix` must hold config.layers pointers when block.prefix_tokens > 0.
BlockActivations forward_block(const TinyWeights& weights, const TokenBlock& block, const KvPrefix& prefix);

// Adds d(loss_scale * loss_sum)/d(parameter) into `grads`, the gradient of the prefix
// K/V into `prefix_grad` (when block.prefix_tokens > 0), and takes `own_grad`, the
// gradient later blocks gave this block's K/V, as an extra input.
void backward_block(const TinyWeights& weights, const TokenBlock& block, const KvPrefix& prefix,
                    const BlockActivations& acts, float loss_scale, const KvOwnGrad& own_grad, TinyWeights& grads,
                    const KvPrefixGrad& prefix_grad);

}  // namespace lcperf::tiny
