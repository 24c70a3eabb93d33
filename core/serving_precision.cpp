// FP8 serving precision; see serving_precision.hpp.
#include "core/serving_precision.hpp"

#include <algorithm>
#include <iterator>

#include "core/errors.hpp"

namespace lcperf::core {

namespace {

DType class_dtype(const std::string& text, const ModelSpec& model, const std::string& origin, const char* key) {
  if (text == "model") return model.dtype;
  if (text == "bf16" || text == "fp16" || text == "fp8") return *parse_dtype(text);
  throw InputError(origin + ": $.serving.precision." + key + ": must be one of model, bf16, fp16, fp8 (got \"" + text +
                   "\")");
}

}  // namespace

ServingPrecision resolve_serving_precision(const ServingPrecisionSpec& spec, const ModelSpec& model,
                                           const HardwareSpec& device, const std::string& origin) {
  ServingPrecision p;
  p.weights = class_dtype(spec.weights, model, origin, "weights");
  p.activations = class_dtype(spec.activations, model, origin, "activations");
  p.kv_cache = class_dtype(spec.kv_cache, model, origin, "kv_cache");
  p.set = spec != ServingPrecisionSpec{};
  if (!p.set) return p;
  if (p.activations == DType::fp8 && p.weights != DType::fp8) {
    throw InputError(origin + ": $.serving.precision.activations: FP8 activations need FP8 weights (W8A8); set "
                     "serving.precision.weights to \"fp8\"");
  }
  if (p.activations == DType::fp8 && device.peak_fp8_flops <= 0) {
    if (spec.strict) {
      throw InputError(origin + ": $.serving.precision.activations: " + device.id +
                       " has no FP8 tensor cores (peak_fp8_flops 0) and serving.precision.strict is true; drop "
                       "strict to fall back to 16-bit activations with FP8 weights and KV cache");
    }
    // Weight-only FP8 on a device without FP8 tensor cores (vLLM's Marlin path).
    p.activations = model.dtype == DType::fp8 ? DType::bf16 : model.dtype;
    p.fell_back = true;
  }
  return p;
}

std::int64_t kv_bytes_per_token_per_layer(const ModelSpec& model, const ParallelConfig& parallel,
                                          const ServingPrecision& precision) {
  const std::int64_t heads_kv = std::max(1, model.kv_heads / std::max(1, parallel.tp));
  const DType kv = precision.set ? precision.kv_cache : model.dtype;
  return 2 * heads_kv * model.head_dim * dtype_bytes(kv);
}

std::int64_t layer_weight_bytes(const ModelSpec& model, const ServingPrecision& precision) {
  return dtype_bytes(precision.set ? precision.weights : model.dtype);
}

void apply_serving_precision(std::vector<OpPart>& layer_parts, const ServingPrecision& precision) {
  if (!precision.set) return;
  std::vector<OpPart> out;
  out.reserve(layer_parts.size() + 4);
  for (OpPart& part : layer_parts) {
    if (auto* a = std::get_if<AttentionShape>(&part)) a->dtype = precision.kv_cache;
    if (auto* e = std::get_if<ElementwiseShape>(&part); e != nullptr && e->kind == "kv_cache_write") {
      // Read the new K/V in 16 bits, write them in the cache's dtype.
      e->bytes_per_element = 2.0 + static_cast<double>(dtype_bytes(precision.kv_cache));
    }
    if (auto* g = std::get_if<GemmShape>(&part); g != nullptr && precision.w8a8()) {
      ElementwiseShape q;
      q.kind = "fp8_quantize";
      q.elements = g->m * g->k * g->batch;
      q.flops_per_element = kFp8QuantizeFlopsPerElement;
      q.bytes_per_element = kFp8QuantizeBytesPerElement;
      out.emplace_back(std::move(q));
      g->dtype = DType::fp8;
    }
    out.push_back(std::move(part));
  }
  layer_parts = std::move(out);
}

}  // namespace lcperf::core
