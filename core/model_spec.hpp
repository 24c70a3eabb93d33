#pragma once
// A decoder-only transformer's shape, as the cost of its layers depends on it.
#include <cstdint>
#include <string>

#include "core/dtype.hpp"
#include "core/layer_kernels.hpp"

namespace lcperf::core {

struct ModelSpec {
  std::string id;
  int layers = 0;
  std::int64_t hidden = 0;
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  std::int64_t ffn_hidden = 0;
  std::int64_t vocab = 0;
  bool gated_mlp = true;         // SwiGLU: gate and up projections
  bool tied_embeddings = false;  // LM head shares the embedding matrix
  bool qkv_bias = false;
  bool layernorm_bias = false;   // LayerNorm with bias (OPT) vs RMSNorm (Llama, Qwen)
  std::int64_t max_context = 0;
  DType dtype = DType::bf16;
  // How the layers are run (set from a training scenario's `kernels` section).
  LayerKernels kernels;

  std::int64_t q_dim() const { return static_cast<std::int64_t>(heads) * head_dim; }
  std::int64_t kv_dim() const { return static_cast<std::int64_t>(kv_heads) * head_dim; }
  // Parameter counts (elements), exact for the architecture described above.
  std::int64_t attention_params() const;
  std::int64_t mlp_params() const;
  std::int64_t norm_params_per_layer() const;
  std::int64_t params_per_layer() const;
  std::int64_t embedding_params() const;  // input embedding
  std::int64_t lm_head_params() const;    // 0 when tied
  std::int64_t total_params() const;
  // KV cache bytes for one token across all layers.
  std::int64_t kv_bytes_per_token() const;
};

}  // namespace lcperf::core
