#include "core/model_spec.hpp"

namespace lcperf::core {

std::int64_t ModelSpec::attention_params() const {
  const std::int64_t qkv = hidden * (q_dim() + 2 * kv_dim());
  const std::int64_t qkv_b = qkv_bias ? (q_dim() + 2 * kv_dim()) : 0;
  const std::int64_t out = q_dim() * hidden;
  const std::int64_t out_b = layernorm_bias ? hidden : 0;  // OPT-style models carry biases everywhere
  return qkv + qkv_b + out + out_b;
}

std::int64_t ModelSpec::mlp_params() const {
  const std::int64_t in_mats = gated_mlp ? 2 : 1;
  const std::int64_t weights = in_mats * hidden * ffn_hidden + ffn_hidden * hidden;
  const std::int64_t biases = layernorm_bias ? (in_mats * ffn_hidden + hidden) : 0;
  return weights + biases;
}

std::int64_t ModelSpec::norm_params_per_layer() const { return 2 * hidden * (layernorm_bias ? 2 : 1); }

std::int64_t ModelSpec::params_per_layer() const {
  return attention_params() + mlp_params() + norm_params_per_layer();
}

std::int64_t ModelSpec::embedding_params() const { return vocab * hidden; }

std::int64_t ModelSpec::lm_head_params() const { return tied_embeddings ? 0 : vocab * hidden; }

std::int64_t ModelSpec::total_params() const {
  const std::int64_t final_norm = hidden * (layernorm_bias ? 2 : 1);
  return static_cast<std::int64_t>(layers) * params_per_layer() + embedding_params() + lm_head_params() + final_norm;
}

std::int64_t ModelSpec::kv_bytes_per_token() const {
  return 2 * static_cast<std::int64_t>(layers) * kv_dim() * dtype_bytes(dtype);
}

}  // namespace lcperf::core
