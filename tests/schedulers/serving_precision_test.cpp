// FP8 serving (core/serving_precision.hpp): per-class dtypes resolved against the
// device, KV bytes per token, and a step's parts rewritten (FP8 GEMMs behind their
// quantisation, attention and cache writes in the KV dtype).
#include "core/serving_precision.hpp"

#include <gtest/gtest.h>

#include <variant>

#include "core/errors.hpp"
#include "core/serving_ops.hpp"
#include "test_models.hpp"

namespace lcperf::core {
namespace {

HardwareSpec device(double fp8_flops) {
  HardwareSpec h;
  h.id = fp8_flops > 0 ? "h100" : "a100-80gb";
  h.peak_bf16_flops = 989e12;
  h.peak_fp8_flops = fp8_flops;
  return h;
}

ServingPrecisionSpec all_fp8(bool strict) { return {"fp8", "fp8", "fp8", strict}; }

TEST(ServingPrecision, DefaultLeavesTheModelsDtypeAndChangesNoPart) {
  const ModelSpec m = lcperf::test::tiny_model(false);
  const ServingPrecision p = resolve_serving_precision({}, m, device(1979e12), "s.json");
  EXPECT_FALSE(p.set);
  ParallelConfig par;
  EXPECT_EQ(kv_bytes_per_token_per_layer(m, par, p), kv_bytes_per_token_per_layer(m, par));
  const ServingStepShape shape = serving_step_shape(m, par, {{64, 0, false, true}, {1, 100, true, false}}, true, true);
  std::vector<OpPart> layer = shape.layer;
  apply_serving_precision(layer, p);
  EXPECT_EQ(layer, shape.layer);
}

TEST(ServingPrecision, Fp8KvCacheHalvesTheBytesPerToken) {
  const ModelSpec m = lcperf::test::tiny_model(false);  // bf16, 4 KV heads of 32
  ParallelConfig par;
  par.tp = 2;
  const ServingPrecision p = resolve_serving_precision({"model", "model", "fp8", false}, m, device(0), "s.json");
  EXPECT_EQ(kv_bytes_per_token_per_layer(m, par, p), 2 * 2 * 32 * 1);
  EXPECT_EQ(kv_bytes_per_token_per_layer(m, par), 2 * 2 * 32 * 2);
  EXPECT_EQ(layer_weight_bytes(m, p), 2);
}

TEST(ServingPrecision, W8A8RunsEveryLayerGemmInFp8BehindItsQuantisation) {
  const ModelSpec m = lcperf::test::tiny_model(false);
  ParallelConfig par;
  const ServingPrecision p = resolve_serving_precision(all_fp8(true), m, device(1979e12), "s.json");
  ASSERT_TRUE(p.w8a8());
  const ServingStepShape shape = serving_step_shape(m, par, {{64, 0, false, true}, {1, 100, true, false}}, true, true);
  std::vector<OpPart> layer = shape.layer;
  apply_serving_precision(layer, p);
  int gemms = 0;
  for (std::size_t i = 0; i < layer.size(); ++i) {
    if (const auto* g = std::get_if<GemmShape>(&layer[i])) {
      ++gemms;
      EXPECT_EQ(g->dtype, DType::fp8);
      ASSERT_GT(i, 0u);
      const auto* q = std::get_if<ElementwiseShape>(&layer[i - 1]);
      ASSERT_NE(q, nullptr);
      EXPECT_EQ(q->kind, "fp8_quantize");
      EXPECT_EQ(q->elements, g->m * g->k);  // the GEMM's input, tokens x k
      EXPECT_EQ(q->bytes_per_element, kFp8QuantizeBytesPerElement);
    }
    if (const auto* a = std::get_if<AttentionShape>(&layer[i])) {
      EXPECT_EQ(a->dtype, DType::fp8);
    }
    if (const auto* e = std::get_if<ElementwiseShape>(&layer[i]); e != nullptr && e->kind == "kv_cache_write") {
      EXPECT_EQ(e->bytes_per_element, 3.0);  // a 16-bit read and a one-byte write
    }
  }
  EXPECT_EQ(gemms, 4);  // qkv, output projection, MLP up, MLP down
  EXPECT_EQ(layer.size(), shape.layer.size() + 4);
  // The LM head stays in the model's dtype.
  for (const OpPart& part : shape.epilogue) {
    if (const auto* g = std::get_if<GemmShape>(&part)) {
      EXPECT_EQ(g->dtype, DType::bf16);
    }
  }
}

TEST(ServingPrecision, WithoutFp8TensorCoresActivationsFallBackOrStrictRefuses) {
  const ModelSpec m = lcperf::test::tiny_model(false);
  const ServingPrecision p = resolve_serving_precision(all_fp8(false), m, device(0), "s.json");
  EXPECT_TRUE(p.fell_back);
  EXPECT_EQ(p.weights, DType::fp8);
  EXPECT_EQ(p.activations, DType::bf16);
  EXPECT_EQ(p.kv_cache, DType::fp8);
  EXPECT_FALSE(p.w8a8());
  try {
    resolve_serving_precision(all_fp8(true), m, device(0), "s.json");
    FAIL() << "strict FP8 on a device without FP8 tensor cores was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("s.json: $.serving.precision.activations"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(resolve_serving_precision(all_fp8(true), m, device(1979e12), "s.json").fell_back);
}

TEST(ServingPrecision, Fp8ActivationsNeedFp8Weights) {
  const ModelSpec m = lcperf::test::tiny_model(false);
  EXPECT_THROW(resolve_serving_precision({"bf16", "fp8", "model", false}, m, device(1979e12), "s.json"), InputError);
  EXPECT_THROW(resolve_serving_precision({"int4", "model", "model", false}, m, device(1979e12), "s.json"), InputError);
}

}  // namespace
}  // namespace lcperf::core
