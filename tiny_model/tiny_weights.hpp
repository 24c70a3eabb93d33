#pragma once
// The tiny model's parameters (fp32), and the same structure as their gradients.
// tensors() lists every parameter tensor with a stable name, so tests and optimisers
// can walk "every parameter" without knowing the layout.
#include <cstdint>
#include <string>
#include <vector>

#include "tiny_model/tiny_config.hpp"

namespace lcperf::tiny {

struct LayerWeights {
  std::vector<float> attn_norm;  // [hidden]
  std::vector<float> wqkv;       // [qkv_width, hidden]: rows q heads, then k heads, then v heads
  std::vector<float> wo;         // [hidden, q_width]
  std::vector<float> mlp_norm;   // [hidden]
  std::vector<float> w_gate_up;  // [2 * ffn, hidden]: gate rows first (kernels/swiglu.hpp layout)
  std::vector<float> w_down;     // [hidden, ffn]
};

struct TinyWeights {
  TinyConfig config;
  std::vector<float> embedding;  // [vocab, hidden]
  std::vector<LayerWeights> layers;
  std::vector<float> final_norm;  // [hidden]
  std::vector<float> lm_head;     // [vocab, hidden]

  struct Tensor {
    std::string name;
    std::vector<float>* values;
  };
  struct ConstTensor {
    std::string name;
    const std::vector<float>* values;
  };
  std::vector<Tensor> tensors();
  std::vector<ConstTensor> tensors() const;
};

// All tensors zero: the gradient accumulator of a step.
TinyWeights zero_weights(const TinyConfig& config);

// Deterministic initialisation from `seed` (own generator, no implementation-defined
// distributions): linear weights uniform with unit output variance for unit inputs,
// embedding uniform in [-1, 1], norm weights 1 +- 0.2 so their gradients matter.
TinyWeights random_weights(const TinyConfig& config, std::uint64_t seed);

}  // namespace lcperf::tiny
