#pragma once
// Shape of the tiny decoder-only transformer the CPU backend runs for real numerics
// (ChunkFlow gradient equivalence, sparse-weight decode). Llama-style: RMSNorm before
// attention and MLP, RoPE on Q and K, causal GQA attention, SwiGLU MLP, untied LM head,
// mean token cross-entropy. Linear weights are [out, in] and applied as y = x W^T.
// The defaults keep every linear weight on the 128 x 64 Tiled-CSL tile grid (fused QKV
// out = (heads_q + 2 heads_kv) * head_dim = 256, gate/up 512, down 128 x 256).
#include <cstdint>

namespace lcperf::tiny {

struct TinyConfig {
  int vocab = 128;
  int hidden = 128;
  int layers = 2;
  int heads_q = 4;
  int heads_kv = 2;
  int head_dim = 32;
  int ffn = 256;
  double rope_theta = 10000.0;
  float norm_eps = 1e-5f;

  int q_width() const { return heads_q * head_dim; }
  int kv_width() const { return heads_kv * head_dim; }
  int qkv_width() const { return q_width() + 2 * kv_width(); }
};

// Throws core::InputError naming the field for a shape the model cannot run (non-positive
// sizes, heads_q not a multiple of heads_kv, odd head_dim for RoPE).
void validate(const TinyConfig& config);

}  // namespace lcperf::tiny
