// The three kernel options that describe how NeMo/Megatron runs a training step
// (core/layer_kernels.hpp): wgrad accumulation into fp32 main_grad, Megatron's unfused
// fp32 cross-entropy and TransformerEngine's ring attention for context parallelism.
// Each is checked against a hand count of its bytes, and against conservation: the
// option moves traffic, never the FLOPs.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/cp_ring_attention.hpp"
#include "core/layer_ops.hpp"
#include "tests/schedulers/test_models.hpp"

namespace lcperf::core {
namespace {

// Llama-3-8B's shapes (GQA 32/8, SwiGLU, 128256-token vocabulary), one layer.
ModelSpec llama8b() {
  ModelSpec m = test::llama3_8b();
  m.layers = 1;
  return m;
}

double total_flops(const std::vector<OpPart>& parts) {
  double f = 0;
  for (const OpPart& p : parts) f += flops_of(p);
  return f;
}

double total_bytes(const std::vector<OpPart>& parts) {
  double b = 0;
  for (const OpPart& p : parts) b += bytes_of(p);
  return b;
}

// The parts of one shape kind, in order.
template <class Shape>
std::vector<Shape> parts_of(const std::vector<OpPart>& parts) {
  std::vector<Shape> out;
  for (const OpPart& p : parts) {
    if (const auto* shape = std::get_if<Shape>(&p)) out.push_back(*shape);
  }
  return out;
}

std::vector<GemmShape> gemms(const std::vector<OpPart>& parts) { return parts_of<GemmShape>(parts); }

TEST(LayerKernelOptions, AnAccumulatedGemmOutputIsReadAndWrittenAtItsWidth) {
  GemmShape g{64, 32, 16, 1, DType::bf16};
  const double inputs = (64.0 * 16 + 16.0 * 32) * 2;
  EXPECT_DOUBLE_EQ(bytes_of(g), inputs + 64.0 * 32 * 2);
  g.accumulate_bytes = 4;
  EXPECT_DOUBLE_EQ(bytes_of(g), inputs + 64.0 * 32 * 8);
  EXPECT_DOUBLE_EQ(flops_of(g), 2.0 * 64 * 32 * 16);
  EXPECT_NE(hash_part(g), hash_part(GemmShape{64, 32, 16, 1, DType::bf16}));
}

TEST(LayerKernelOptions, WgradAccumulationAddsEveryWeightGradientIntoFp32) {
  const ParallelConfig one;
  const MicroBatchShape batch{{4096}};
  ModelSpec plain = llama8b();
  ModelSpec fused = plain;
  fused.kernels.wgrad_accumulation = WgradAccumulation::fp32;
  const std::vector<OpPart> before = layer_backward_parts(plain, one, batch, Recompute::none);
  const std::vector<OpPart> after = layer_backward_parts(fused, one, batch, Recompute::none);
  EXPECT_DOUBLE_EQ(total_flops(after), total_flops(before));

  // Four linear layers, each a dgrad then a wgrad; the wgrad's output is the weight.
  const std::vector<GemmShape> g = gemms(after);
  ASSERT_EQ(g.size(), 8u);
  double weight_elements = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    EXPECT_EQ(g[i].accumulate_bytes, i % 2 == 1 ? 4 : 0) << i;
    if (i % 2 == 1) weight_elements += static_cast<double>(g[i].m) * g[i].n;
  }
  // Q, K, V, O, gate + up, down: the layer's matrices.
  const double h = 4096;
  EXPECT_DOUBLE_EQ(weight_elements, h * (4096 + 2 * 1024) + 4096 * h + h * 2 * 14336 + 14336 * h);
  // Each weight element: 4 bytes read and 4 written instead of 2 written.
  EXPECT_DOUBLE_EQ(total_bytes(after) - total_bytes(before), weight_elements * (8 - 2));

  // The LM head's weight gradient too.
  const std::vector<GemmShape> head = gemms(head_backward_parts(fused, one, batch));
  ASSERT_EQ(head.size(), 2u);
  EXPECT_EQ(head[0].accumulate_bytes, 0);
  EXPECT_EQ(head[1].accumulate_bytes, 4);
}

TEST(LayerKernelOptions, UnfusedCrossEntropyMakesEveryStepAPassOverFp32Logits) {
  const ParallelConfig one;
  const MicroBatchShape batch{{4096}};
  ModelSpec plain = llama8b();
  ModelSpec unfused = plain;
  unfused.kernels.cross_entropy = CrossEntropyImpl::unfused_fp32;
  const double logits = 4096.0 * 128256;
  // Forward: cast (2 + 4), max (4), subtract (4 + 4), exp (4 + 4), sum (4), divide (4 + 4)
  // bytes a logit, against the fused pass's 6; backward: scale (4 + 4) and cast (4 + 2)
  // against 6.
  EXPECT_DOUBLE_EQ(total_bytes(head_forward_parts(unfused, one, batch)) -
                       total_bytes(head_forward_parts(plain, one, batch)),
                   logits * (38 - 6));
  EXPECT_DOUBLE_EQ(total_bytes(head_backward_parts(unfused, one, batch)) -
                       total_bytes(head_backward_parts(plain, one, batch)),
                   logits * (14 - 6));
  // The GEMMs are untouched.
  EXPECT_EQ(gemms(head_forward_parts(unfused, one, batch)).size(), 1u);
}

// The attention parts of one layer pass.
std::vector<AttentionShape> attention_calls(const std::vector<OpPart>& parts) {
  return parts_of<AttentionShape>(parts);
}

// The parts that are neither attention calls nor the ring's merges.
std::vector<OpPart> around_attention(const std::vector<OpPart>& parts) {
  std::vector<OpPart> out;
  for (const OpPart& p : parts) {
    if (std::holds_alternative<AttentionShape>(p)) continue;
    if (const auto* e = std::get_if<ElementwiseShape>(&p); e != nullptr && e->kind.starts_with("cp_")) continue;
    out.push_back(p);
  }
  return out;
}

TEST(LayerKernelOptions, RingStepsDoTheOneCallsWorkInCpCalls) {
  ModelSpec one_call = llama8b();
  ModelSpec ring = one_call;
  ring.kernels.cp_attention = CpAttention::ring_steps;
  for (const int cp : {2, 4}) {
    for (const std::vector<std::int64_t>& seqs : {std::vector<std::int64_t>{8192}, {8192, 4096}}) {
      SCOPED_TRACE("cp " + std::to_string(cp) + ", " + std::to_string(seqs.size()) + " sequences");
      ParallelConfig p;
      p.cp = cp;
      const MicroBatchShape batch{seqs};
      for (const bool backward : {false, true}) {
        const std::vector<OpPart> before = backward ? layer_backward_parts(one_call, p, batch, Recompute::none)
                                                    : layer_forward_parts(one_call, p, batch);
        const std::vector<OpPart> after = backward ? layer_backward_parts(ring, p, batch, Recompute::none)
                                                   : layer_forward_parts(ring, p, batch);
        const std::vector<AttentionShape> calls = attention_calls(after);
        ASSERT_EQ(calls.size(), static_cast<std::size_t>(cp));
        EXPECT_EQ(calls[0].mask, AttentionMask::causal);
        for (int i = 1; i < cp; ++i) EXPECT_EQ(calls[i].mask, AttentionMask::full);
        double ring_flops = 0;
        for (const AttentionShape& a : calls) ring_flops += flops_of(OpPart{a});
        const double one_call_flops = flops_of(OpPart{attention_calls(before).at(0)});
        EXPECT_NEAR(ring_flops, one_call_flops, 1e-9 * one_call_flops);
        // Everything around the attention core stays as it was; one merge pass is added.
        EXPECT_EQ(around_attention(after), around_attention(before));
        EXPECT_EQ(after.size(), before.size() - 1 + cp + 1);
      }
    }
  }
}

TEST(LayerKernelOptions, RingMergesCountEveryStepsPartialOutputs) {
  // cp = 2, one sequence of 8192: rank 0 holds chunks of c = 2048; step 0 covers its 4096
  // queries, step 1 its later chunk's 2048. 32 query heads of 128, 8 KV heads.
  AttentionShape call;
  call.heads_q = 32;
  call.heads_kv = 8;
  call.head_dim = 128;
  const std::vector<OpPart> fwd = cp_ring_attention_parts(call, {8192}, 2);
  ASSERT_EQ(fwd.size(), 3u);
  const auto& out_merge = std::get<ElementwiseShape>(fwd[2]);
  EXPECT_EQ(out_merge.kind, "cp_out_merge");
  EXPECT_EQ(out_merge.elements, (4096 + 2048) * 32 * 128);
  EXPECT_DOUBLE_EQ(out_merge.bytes_per_element, 6);
  EXPECT_EQ(std::get<AttentionShape>(fwd[1]).seqs, (std::vector<AttentionSeq>{{2048, 4096}}));

  call.backward = true;
  const std::vector<OpPart> bwd = cp_ring_attention_parts(call, {8192}, 2);
  const auto& grad_merge = std::get<ElementwiseShape>(bwd.back());
  EXPECT_EQ(grad_merge.kind, "cp_grad_merge");
  // dq as the output above, plus each step's dK and dV for the 4096 keys it saw.
  EXPECT_EQ(grad_merge.elements, (4096 + 2048) * 32 * 128 + 2 * 4096 * 2 * 8 * 128);
}

}  // namespace
}  // namespace lcperf::core
