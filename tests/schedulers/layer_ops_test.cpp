// Layer decomposition: FLOPs against the textbook count, TP scaling, backward ratios,
// TP/CP collectives, and the per-rank parameter split.
#include "core/layer_ops.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "test_models.hpp"

namespace lcperf::core {
namespace {

double gemm_flops(const std::vector<OpPart>& parts) {
  double f = 0;
  for (const OpPart& p : parts) {
    if (std::holds_alternative<GemmShape>(p)) f += flops_of(p);
  }
  return f;
}

double attention_flops(const std::vector<OpPart>& parts, bool backward) {
  double f = 0;
  for (const OpPart& p : parts) {
    if (const auto* a = std::get_if<AttentionShape>(&p); a != nullptr && a->backward == backward) f += flops_of(p);
  }
  return f;
}

std::vector<CollectiveShape> collectives(const std::vector<OpPart>& parts) {
  std::vector<CollectiveShape> out;
  for (const OpPart& p : parts) {
    if (const auto* c = std::get_if<CollectiveShape>(&p)) out.push_back(*c);
  }
  return out;
}

int count(const std::vector<CollectiveShape>& cs, CollectiveKind kind) {
  int n = 0;
  for (const auto& c : cs) n += c.kind == kind ? 1 : 0;
  return n;
}

void expect_rel(double actual, double expected) {
  EXPECT_LE(std::abs(actual - expected), 1e-9 * std::abs(expected)) << actual << " vs " << expected;
}

// Textbook: every weight matrix costs 2 FLOPs per parameter per token; causal attention
// costs 4 * heads * head_dim per unmasked (query, key) pair.
double textbook_layer_flops(const ModelSpec& m, const MicroBatchShape& b) {
  const double matrix_params =
      static_cast<double>(m.hidden) * static_cast<double>(m.q_dim() + 2 * m.kv_dim()) +
      static_cast<double>(m.q_dim()) * static_cast<double>(m.hidden) +
      (m.gated_mlp ? 3.0 : 2.0) * static_cast<double>(m.hidden) * static_cast<double>(m.ffn_hidden);
  double pairs = 0;
  for (auto s : b.seq_lens) pairs += static_cast<double>(s) * static_cast<double>(s + 1) / 2.0;
  return 2.0 * matrix_params * static_cast<double>(b.tokens()) + 4.0 * m.heads * m.head_dim * pairs;
}

TEST(LayerOps, ForwardFlopsMatchTextbook) {
  const ModelSpec model = test::llama3_8b();
  // Without biases and norms' GEMMs, the matrix parameters are params_per_layer - norms.
  ASSERT_EQ(static_cast<double>(model.params_per_layer() - model.norm_params_per_layer()),
            static_cast<double>(model.hidden * (model.q_dim() + 2 * model.kv_dim()) + model.q_dim() * model.hidden +
                                3 * model.hidden * model.ffn_hidden));
  for (const MicroBatchShape& batch : {MicroBatchShape{{4096}}, MicroBatchShape{{1000, 3000, 77}}}) {
    const auto parts = layer_forward_parts(model, ParallelConfig{}, batch);
    expect_rel(gemm_flops(parts) + attention_flops(parts, false), textbook_layer_flops(model, batch));
  }
}

TEST(LayerOps, ForwardFlopsScaleInverselyWithTp) {
  const ModelSpec model = test::llama3_8b();
  const MicroBatchShape batch{{8192, 2048}};
  const double whole = textbook_layer_flops(model, batch);
  for (int tp : {1, 2, 4, 8}) {
    for (bool sp : {false, true}) {
      ParallelConfig par;
      par.tp = tp;
      par.sequence_parallel = sp;
      const auto parts = layer_forward_parts(model, par, batch);
      expect_rel((gemm_flops(parts) + attention_flops(parts, false)) * tp, whole);
    }
  }
}

TEST(LayerOps, BackwardIsTwiceGemmAndTwoAndAHalfAttention) {
  const ModelSpec model = test::llama3_8b();
  const MicroBatchShape batch{{4096, 4096}};
  ParallelConfig par;
  par.tp = 2;
  const auto fwd = layer_forward_parts(model, par, batch);
  const auto bwd = layer_backward_parts(model, par, batch, Recompute::none);
  expect_rel(gemm_flops(bwd), 2.0 * gemm_flops(fwd));
  expect_rel(attention_flops(bwd, true), 2.5 * attention_flops(fwd, false));
  EXPECT_EQ(attention_flops(bwd, false), 0.0);

  const auto selective = layer_backward_parts(model, par, batch, Recompute::selective);
  expect_rel(attention_flops(selective, false), attention_flops(fwd, false));
  expect_rel(gemm_flops(selective), 2.0 * gemm_flops(fwd));

  const auto full = layer_backward_parts(model, par, batch, Recompute::full);
  expect_rel(gemm_flops(full), 3.0 * gemm_flops(fwd));
  EXPECT_EQ(full.size(), fwd.size() + bwd.size());
}

TEST(LayerOps, TensorParallelCollectives) {
  const ModelSpec model = test::llama3_8b();
  const MicroBatchShape batch{{4096}};
  const std::int64_t bytes = 4096 * model.hidden * 2;
  EXPECT_TRUE(collectives(layer_forward_parts(model, ParallelConfig{}, batch)).empty());
  EXPECT_TRUE(collectives(layer_backward_parts(model, ParallelConfig{}, batch, Recompute::none)).empty());

  ParallelConfig par;
  par.tp = 4;
  auto fwd = collectives(layer_forward_parts(model, par, batch));
  auto bwd = collectives(layer_backward_parts(model, par, batch, Recompute::none));
  ASSERT_EQ(fwd.size(), 2u);
  ASSERT_EQ(bwd.size(), 2u);
  for (const auto& c : fwd) {
    EXPECT_EQ(c.kind, CollectiveKind::all_reduce);
    EXPECT_EQ(c.bytes, bytes);
    EXPECT_EQ(c.ranks, 4);
  }
  EXPECT_EQ(count(bwd, CollectiveKind::all_reduce), 2);

  par.sequence_parallel = true;
  fwd = collectives(layer_forward_parts(model, par, batch));
  bwd = collectives(layer_backward_parts(model, par, batch, Recompute::none));
  EXPECT_EQ(count(fwd, CollectiveKind::all_gather), 2);
  EXPECT_EQ(count(fwd, CollectiveKind::reduce_scatter), 2);
  EXPECT_EQ(fwd.size(), 4u);
  // Backward: gathers undoing the forward reduce-scatters, reduce-scatters of the input
  // gradients, and the re-gathers of the sharded GEMM inputs for the weight gradients.
  EXPECT_EQ(count(bwd, CollectiveKind::all_gather), 4);
  EXPECT_EQ(count(bwd, CollectiveKind::reduce_scatter), 2);
  for (const auto& c : bwd) EXPECT_EQ(c.bytes, bytes);
}

TEST(LayerOps, ContextParallelSplitIsBalancedAndExact) {
  const ModelSpec model = test::llama3_8b();
  const MicroBatchShape batch{{8192, 4096}};
  const AttentionShape whole = layer_attention_shape(model, ParallelConfig{}, batch);
  for (int cp : {2, 4}) {
    ParallelConfig par;
    par.cp = cp;
    const AttentionShape part = layer_attention_shape(model, par, batch);
    EXPECT_EQ(part.seqs.size(), 4u);  // two chunks per sequence
    EXPECT_DOUBLE_EQ(attention_score_pairs(part) * cp, attention_score_pairs(whole));
    EXPECT_EQ(local_dims(model, par, batch).tokens * cp, batch.tokens());
    const auto cs = collectives(layer_forward_parts(model, par, batch));
    ASSERT_EQ(cs.size(), 1u);
    EXPECT_EQ(cs[0].kind, CollectiveKind::all_gather);
    EXPECT_EQ(cs[0].ranks, cp);
    EXPECT_EQ(cs[0].bytes, batch.tokens() * 2 * model.kv_dim() * 2);
  }
}

TEST(LayerOps, KvHeadsReplicatedBeyondTheirCount) {
  ModelSpec model = test::llama3_8b();  // 8 KV heads
  ParallelConfig par;
  par.tp = 16;
  model.heads = 64;
  const LocalDims d = local_dims(model, par, MicroBatchShape{{128}});
  EXPECT_EQ(d.heads_q, 4);
  EXPECT_EQ(d.heads_kv, 1);
}

// Summed over the TP x PP ranks of one replica, parameters count the total once plus
// every replicated tensor (norms, row-parallel biases) tp-1 more times, plus the tied
// embedding's copy on the last stage when it is a different stage.
std::int64_t replica_sum(const ModelSpec& model, const ParallelConfig& par) {
  std::int64_t sum = 0;
  for (int t = 0; t < par.tp; ++t) {
    for (int s = 0; s < par.pp; ++s) sum += params_on_rank(model, par, s);
  }
  return sum;
}

TEST(LayerOps, ParamsOnRankSumToTotal) {
  for (bool tied : {false, true}) {
    for (const ModelSpec& model : {test::llama3_8b(), test::gpt_paper_model(), test::tiny_model(false)}) {
      ModelSpec m = model;
      m.tied_embeddings = tied;
      for (int tp : {1, 2, 4}) {
        for (int pp : {1, 2, 4}) {
          ParallelConfig par;
          par.tp = tp;
          par.pp = pp;
          const std::int64_t replicated_per_layer = m.norm_params_per_layer() + (m.layernorm_bias ? 2 * m.hidden : 0);
          const std::int64_t final_norm = m.hidden * (m.layernorm_bias ? 2 : 1);
          const std::int64_t expected = m.total_params() + (tp - 1) * (m.layers * replicated_per_layer + final_norm) +
                                        (tied && pp > 1 ? m.embedding_params() : 0);
          EXPECT_EQ(replica_sum(m, par), expected) << m.id << " tied=" << tied << " tp=" << tp << " pp=" << pp;
        }
      }
    }
  }
}

TEST(LayerOps, EmbeddingAndHeadShapes) {
  const ModelSpec model = test::llama3_8b();
  ParallelConfig par;
  par.tp = 2;
  const MicroBatchShape batch{{1024}};
  const auto head = head_forward_parts(model, par, batch);
  // LM head: 2 * tokens * hidden * vocab / tp.
  expect_rel(gemm_flops(head), 2.0 * 1024 * 4096 * 128256 / 2);
  expect_rel(gemm_flops(head_backward_parts(model, par, batch)), 2.0 * gemm_flops(head));
  EXPECT_EQ(collectives(embedding_forward_parts(model, par, batch)).size(), 1u);
  const auto adam = optimizer_parts(1000);
  ASSERT_EQ(adam.size(), 1u);
  EXPECT_EQ(std::get<ElementwiseShape>(adam[0]).elements, 1000);
}

TEST(LayerOps, RecomputeNames) {
  EXPECT_EQ(parse_recompute("selective"), Recompute::selective);
  EXPECT_EQ(to_string(Recompute::full), "full");
  EXPECT_THROW(parse_recompute("sometimes"), InputError);
}

}  // namespace
}  // namespace lcperf::core
