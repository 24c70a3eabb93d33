#pragma once
// How a training scenario runs every transformer layer (the scenario's `kernels`
// section, scenarios/README.md): which attention kernels, which dropouts, which
// position embedding, and in which precision the linear GEMMs run. The defaults are the
// fused BF16 path lcperf priced before these options existed, so a scenario without the
// section is priced as before.
//
// It lives on core::ModelSpec (ModelSpec::kernels) because every place that turns a
// model into op parts (layer_ops.hpp) needs it next to the shapes; the scenario loader
// sets it, model files do not.
#include "core/scenario_options.hpp"

namespace lcperf::core {

struct LayerKernels {
  AttentionImpl attention = AttentionImpl::flash2;
  // Dropout probabilities; 0 runs no dropout kernel. Attention dropout is priced as its
  // own kernel only on the unfused path (fused kernels apply it inside the kernel).
  double attention_dropout = 0;
  double hidden_dropout = 0;
  PositionEmbedding position_embedding = PositionEmbedding::rotary;
  GemmPrecision gemm_precision = GemmPrecision::model;
  Fp8Recipe fp8_recipe = Fp8Recipe::delayed;
  WgradAccumulation wgrad_accumulation = WgradAccumulation::none;
  CrossEntropyImpl cross_entropy = CrossEntropyImpl::fused;
  CpAttention cp_attention = CpAttention::one_call;

  bool fp8() const { return gemm_precision == GemmPrecision::fp8; }
  bool operator==(const LayerKernels&) const = default;
};

}  // namespace lcperf::core
