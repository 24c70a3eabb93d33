#pragma once
// FP8 serving: the storage and compute precision of each class of tensor in a serving
// engine's step (scenario `serving.precision`), and how a step's parts change with it.
//
// Classes:
// - weights: the transformer layers' linear weights (the embedding, the LM head and the
//   norms stay in the model's dtype, as TensorRT-LLM and vLLM keep them).
// - activations: the inputs of those linear layers. FP8 activations need FP8 weights
//   (W8A8): the GEMM then runs at the device's FP8 rate, and every GEMM input is
//   quantised first by a pass priced as an element-wise part ("fp8_quantize": a read for
//   the dynamic per-token scale, a read and a one-byte write). The residual stream and
//   the all-reduces stay in 16 bits.
// - kv_cache: the K and V blocks; FP8 halves their bytes (block size, KV budget in
//   tokens, the attention's KV reads, the cache writes, swaps).
//
// FP8 weights with 16-bit activations (W8A16, weight-only) store one byte per weight;
// the GEMM is priced as a 16-bit GEMM (the cost model prices one dtype per GEMM, so the
// halved weight read of a weight-only kernel is not credited: conservative).
//
// A device without FP8 tensor cores (peak_fp8_flops == 0, e.g. A100) cannot run W8A8:
// FP8 activations fall back to the model's 16-bit dtype (weights and KV stay FP8, as
// storage formats every device can dequantise), and the run says so; with `strict`,
// asking for FP8 activations there is an input error at $.serving.precision.activations.
#include <cstdint>
#include <string>

#include "core/dtype.hpp"
#include "core/hardware_spec.hpp"
#include "core/model_spec.hpp"
#include "core/ops.hpp"
#include "core/parallel_config.hpp"

namespace lcperf::core {

// As the scenario gives it: "model" (the model's dtype), "bf16", "fp16" or "fp8".
struct ServingPrecisionSpec {
  std::string weights = "model";
  std::string activations = "model";
  std::string kv_cache = "model";
  bool strict = false;
  bool operator==(const ServingPrecisionSpec&) const = default;
};

// Resolved for one model on one device.
struct ServingPrecision {
  bool set = false;  // false: everything in the model's dtype (the parts are left as built)
  DType weights = DType::bf16;
  DType activations = DType::bf16;
  DType kv_cache = DType::bf16;
  bool fell_back = false;  // FP8 activations asked, the device has no FP8 tensor cores
  bool w8a8() const { return set && weights == DType::fp8 && activations == DType::fp8; }
  bool operator==(const ServingPrecision&) const = default;
};

// Throws InputError naming `origin` and the JSON path ($.serving.precision.*) for an
// unknown dtype, FP8 activations without FP8 weights, or (strict) FP8 activations on a
// device without FP8 tensor cores.
ServingPrecision resolve_serving_precision(const ServingPrecisionSpec& spec, const ModelSpec& model,
                                           const HardwareSpec& device, const std::string& origin);

// KV bytes of one token in one layer on one TP rank, in the KV cache's dtype.
std::int64_t kv_bytes_per_token_per_layer(const ModelSpec& model, const ParallelConfig& parallel,
                                          const ServingPrecision& precision);

// Bytes per weight of the transformer layers' linear weights (the rest of the model
// stays in the model's dtype).
std::int64_t layer_weight_bytes(const ModelSpec& model, const ServingPrecision& precision);

// Rewrites one layer's parts (core::serving_step_shape's `layer`) for the precision:
// attention and cache writes in the KV dtype; with W8A8, GEMMs in FP8, each preceded by
// its input's quantisation. A precision that is not set changes nothing.
void apply_serving_precision(std::vector<OpPart>& layer_parts, const ServingPrecision& precision);

inline constexpr double kFp8QuantizeBytesPerElement = 5;  // amax read (2), read (2), write (1)
inline constexpr double kFp8QuantizeFlopsPerElement = 3;  // |x|, max, scale and round

}  // namespace lcperf::core
