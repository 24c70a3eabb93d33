#pragma once
// Model shapes the scheduler tests share, written out here so the tests do not depend
// on the bundled scenario data.
#include "core/model_spec.hpp"

namespace lcperf::test {

inline core::ModelSpec llama3_8b() {
  core::ModelSpec m;
  m.id = "llama3-8b";
  m.layers = 32;
  m.hidden = 4096;
  m.heads = 32;
  m.kv_heads = 8;
  m.head_dim = 128;
  m.ffn_hidden = 14336;
  m.vocab = 128256;
  m.gated_mlp = true;
  m.tied_embeddings = false;
  m.max_context = 8192;
  return m;
}

// The model of Korthikanti et al.: GeLU MLP of 4h, multi-head attention.
inline core::ModelSpec gpt_paper_model() {
  core::ModelSpec m;
  m.id = "gpt-paper";
  m.layers = 8;
  m.hidden = 1024;
  m.heads = 16;
  m.kv_heads = 16;
  m.head_dim = 64;
  m.ffn_hidden = 4096;
  m.vocab = 51200;
  m.gated_mlp = false;
  m.layernorm_bias = true;
  return m;
}

// Small enough that a rank program runs in milliseconds on the fake runtime.
inline core::ModelSpec tiny_model(bool tied) {
  core::ModelSpec m;
  m.id = "tiny";
  m.layers = 4;
  m.hidden = 256;
  m.heads = 8;
  m.kv_heads = 4;
  m.head_dim = 32;
  m.ffn_hidden = 512;
  m.vocab = 1000;
  m.tied_embeddings = tied;
  m.qkv_bias = true;
  return m;
}

}  // namespace lcperf::test
