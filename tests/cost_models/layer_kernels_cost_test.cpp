// What the `kernels` options of a training scenario cost (core/layer_kernels.hpp),
// priced by the cost model on the flat test profile (compute 0.8, memory 0.9, floor
// 5 us) and checked against the roofline worked out by hand from the kernels' bytes and
// FLOPs: Megatron's unfused attention, FP8 cast work, and the parts each option adds or
// removes from a layer.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include "core/layer_ops.hpp"
#include "core/unfused_attention.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_test_support.hpp"

namespace lcperf::cost {
namespace {

using testing::flat_profile;
using testing::h200_hardware;
using testing::kFlatCompute;
using testing::kFlatMemory;
using testing::kFlatMinLatency;

constexpr double kPeakBf16 = 989.4e12;
constexpr double kPeakFp8 = 1978.9e12;
constexpr double kPeakFp32 = 66.9e12;
constexpr double kHbm = 4.8e12;

double roofline(double flops, double peak, double bytes) {
  return std::max({kFlatMinLatency, flops / (peak * kFlatCompute), bytes / (kHbm * kFlatMemory)});
}

double total_s(const CostModel& model, const std::vector<core::OpPart>& parts) {
  double t = 0;
  for (const core::OpPart& p : parts) t += model.time_s(p);
  return t;
}

std::vector<std::string> kinds(const std::vector<core::OpPart>& parts) {
  std::vector<std::string> out;
  for (const core::OpPart& p : parts) {
    if (const auto* e = std::get_if<core::ElementwiseShape>(&p)) out.push_back(e->kind);
  }
  return out;
}

bool has_kind(const std::vector<core::OpPart>& parts, const std::string& kind) {
  const std::vector<std::string> k = kinds(parts);
  return std::find(k.begin(), k.end(), kind) != k.end();
}

// One sequence of s = 4096 tokens, 8 heads of d = 128, bf16, causal, dropout 0.1.
core::AttentionShape attention_4k() {
  core::AttentionShape a;
  a.seqs = {{4096, 4096}};
  a.heads_q = 8;
  a.heads_kv = 8;
  a.head_dim = 128;
  return a;
}

TEST(LayerKernelsCost, UnfusedAttentionForwardMatchesTheHandRoofline) {
  const CostModel model(h200_hardware(), flat_profile());
  const double s = 4096, d = 128, heads = 8, scores = heads * s * s;
  // Both GEMMs: 2 s s d FLOPs per head over the full score matrix; bytes: Q and K^T
  // (s x d each) and the s x s scores, bf16, per head. Memory-bound at this size.
  const double gemm_s = roofline(2 * s * s * d * heads, kPeakBf16, 2 * heads * (2 * s * d + s * s));
  const double softmax_s = roofline(5 * scores, kPeakFp32, 4 * scores);  // read S, write P
  const double dropout_s = roofline(2 * scores, kPeakFp32, 5 * scores);  // read P, write P' and the mask
  const std::vector<core::OpPart> parts = core::unfused_attention_parts(attention_4k(), 0.1);
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_NEAR(total_s(model, parts), 2 * gemm_s + softmax_s + dropout_s, 1e-12);
  // Without dropout the dropout kernel goes and nothing else changes.
  EXPECT_NEAR(total_s(model, core::unfused_attention_parts(attention_4k(), 0.0)), 2 * gemm_s + softmax_s, 1e-12);
}

TEST(LayerKernelsCost, UnfusedAttentionDoesTheFullScoreMatrixWork) {
  // Forward: the two GEMMs do the work of a non-causal FlashAttention (4 s^2 d per
  // head); the causal mask saves nothing. Backward: four GEMMs, twice the forward.
  core::AttentionShape causal = attention_4k();
  core::AttentionShape full = causal;
  full.mask = core::AttentionMask::full;
  double fwd = 0;
  for (const core::OpPart& p : core::unfused_attention_parts(causal, 0.0)) {
    if (std::holds_alternative<core::GemmShape>(p)) fwd += core::flops_of(p);
  }
  EXPECT_DOUBLE_EQ(fwd, core::flops_of(full));
  causal.backward = true;
  double bwd = 0;
  const std::vector<core::OpPart> backward = core::unfused_attention_parts(causal, 0.1);
  for (const core::OpPart& p : backward) {
    if (std::holds_alternative<core::GemmShape>(p)) bwd += core::flops_of(p);
  }
  EXPECT_DOUBLE_EQ(bwd, 2 * fwd);
  EXPECT_EQ(kinds(backward), (std::vector<std::string>{"attention_dropout_bwd", "scale_mask_softmax_bwd"}));
}

// A 4096-wide layer (32 heads of 128, non-gated FFN 16384) on one GPU, 8192 tokens.
core::ModelSpec layer_model() {
  core::ModelSpec m;
  m.layers = 1;
  m.hidden = 4096;
  m.heads = 32;
  m.kv_heads = 32;
  m.head_dim = 128;
  m.ffn_hidden = 16384;
  m.vocab = 32000;
  m.gated_mlp = false;
  m.max_context = 8192;
  return m;
}

TEST(LayerKernelsCost, Fp8CastsEveryGemmInputAndRunsTheGemmsAtTheFp8Rate) {
  const CostModel model(h200_hardware(), flat_profile());
  const core::ParallelConfig one;
  const core::MicroBatchShape batch{{8192}};
  core::ModelSpec bf16 = layer_model();
  core::ModelSpec fp8 = bf16;
  fp8.kernels.gemm_precision = core::GemmPrecision::fp8;
  const std::vector<core::OpPart> base = core::layer_forward_parts(bf16, one, batch);
  const std::vector<core::OpPart> cast = core::layer_forward_parts(fp8, one, batch);

  // The forward's four GEMM inputs: QKV and MLP-up read the normed hidden state
  // (t x h), the output projection the attention output (t x h), the down projection
  // the activation (t x ffn). Each cast reads 2 and writes 1 + 1 bytes per element.
  const double t = 8192, h = 4096, ffn = 16384;
  double casts_s = 0;
  for (double elements : {t * h, t * h, t * h, t * ffn}) casts_s += roofline(3 * elements, kPeakFp32, 4 * elements);
  double cast_parts_s = 0;
  int fp8_gemms = 0;
  for (const core::OpPart& p : cast) {
    if (const auto* e = std::get_if<core::ElementwiseShape>(&p); e != nullptr && e->kind == "fp8_cast_transpose") {
      cast_parts_s += model.time_s(p);
    }
    if (const auto* g = std::get_if<core::GemmShape>(&p)) {
      EXPECT_EQ(g->dtype, core::DType::fp8);
      ++fp8_gemms;
    }
  }
  EXPECT_EQ(fp8_gemms, 4);
  EXPECT_NEAR(cast_parts_s, casts_s, 1e-12);
  // Compute-bound GEMMs take half the BF16 time: the QKV GEMM, 2 t h 3h FLOPs.
  const core::OpPart qkv = core::GemmShape{8192, 3 * 4096, 4096, 1, core::DType::fp8};
  EXPECT_NEAR(model.time_s(qkv), 2 * t * h * 3 * h / (kPeakFp8 * kFlatCompute), 1e-12);
  // Current scaling adds one read of each cast tensor (its amax) before the cast.
  fp8.kernels.fp8_recipe = core::Fp8Recipe::current;
  const std::vector<core::OpPart> current = core::layer_forward_parts(fp8, one, batch);
  double amax_s = 0;
  for (double elements : {t * h, t * h, t * h, t * ffn}) amax_s += roofline(elements, kPeakFp32, 2 * elements);
  EXPECT_NEAR(total_s(model, current) - total_s(model, cast), amax_s, 1e-9);
  // Attention stays in the model's dtype.
  for (const core::OpPart& p : cast) {
    if (const auto* a = std::get_if<core::AttentionShape>(&p)) {
      EXPECT_EQ(a->dtype, core::DType::bf16);
    }
  }
  EXPECT_EQ(base.size() + 4, cast.size());
}

TEST(LayerKernelsCost, OptionsAddAndRemoveTheirKernels) {
  const core::ParallelConfig one;
  const core::MicroBatchShape batch{{2048}};
  const core::ModelSpec plain = layer_model();
  EXPECT_TRUE(has_kind(core::layer_forward_parts(plain, one, batch), "rope"));
  EXPECT_FALSE(has_kind(core::layer_forward_parts(plain, one, batch), "dropout_add"));

  core::ModelSpec gpt = plain;
  gpt.kernels.position_embedding = core::PositionEmbedding::learned_absolute;
  gpt.kernels.hidden_dropout = 0.1;
  gpt.kernels.attention = core::AttentionImpl::unfused;
  const std::vector<core::OpPart> fwd = core::layer_forward_parts(gpt, one, batch);
  const std::vector<core::OpPart> bwd = core::layer_backward_parts(gpt, one, batch, core::Recompute::none);
  EXPECT_FALSE(has_kind(fwd, "rope"));
  EXPECT_FALSE(has_kind(bwd, "rope_bwd"));
  const std::vector<std::string> fwd_kinds = kinds(fwd);
  const std::vector<std::string> bwd_kinds = kinds(bwd);
  EXPECT_EQ(std::count(fwd_kinds.begin(), fwd_kinds.end(), "dropout_add"), 2);
  EXPECT_EQ(std::count(bwd_kinds.begin(), bwd_kinds.end(), "dropout_bwd"), 2);
  EXPECT_TRUE(has_kind(fwd, "scale_mask_softmax"));
  for (const core::OpPart& p : fwd) {
    EXPECT_FALSE(std::holds_alternative<core::AttentionShape>(p));
  }
  EXPECT_TRUE(has_kind(core::embedding_forward_parts(gpt, one, batch), "position_embedding"));
  EXPECT_TRUE(has_kind(core::embedding_backward_parts(gpt, one, batch), "position_embedding_bwd"));
  // Selective recompute regenerates the unfused attention core, not a fused call.
  const std::vector<core::OpPart> recompute =
      core::layer_recompute_parts(gpt, one, batch, core::Recompute::selective);
  EXPECT_TRUE(has_kind(recompute, "scale_mask_softmax"));
}

}  // namespace
}  // namespace lcperf::cost
