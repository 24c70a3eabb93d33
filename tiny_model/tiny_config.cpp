#include "tiny_model/tiny_config.hpp"

#include <string>

#include "core/errors.hpp"

namespace lcperf::tiny {

namespace {

void require_positive(int value, const char* field) {
  if (value < 1) throw core::InputError(std::string("tiny model: ") + field + " must be >= 1 (got " + std::to_string(value) + ")");
}

}  // namespace

void validate(const TinyConfig& config) {
  require_positive(config.vocab, "vocab");
  require_positive(config.hidden, "hidden");
  require_positive(config.layers, "layers");
  require_positive(config.heads_q, "heads_q");
  require_positive(config.heads_kv, "heads_kv");
  require_positive(config.head_dim, "head_dim");
  require_positive(config.ffn, "ffn");
  if (config.heads_q % config.heads_kv != 0) {
    throw core::InputError("tiny model: heads_q (" + std::to_string(config.heads_q) + ") must be a multiple of heads_kv (" +
                           std::to_string(config.heads_kv) + ")");
  }
  if (config.head_dim % 2 != 0) {
    throw core::InputError("tiny model: head_dim must be even for RoPE (got " + std::to_string(config.head_dim) + ")");
  }
  if (!(config.rope_theta > 1.0) || !(config.norm_eps > 0.0f)) {
    throw core::InputError("tiny model: rope_theta must be > 1 and norm_eps > 0");
  }
}

}  // namespace lcperf::tiny
