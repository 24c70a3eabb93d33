// One serving step's op parts: TP-sharded GEMMs over the step's tokens, the prefill and
// decode attention calls, TP collectives, and the LM head only for sampled rows.
#include "core/serving_ops.hpp"

#include <gtest/gtest.h>

#include <variant>

#include "core/errors.hpp"
#include "test_models.hpp"

namespace lcperf::core {
namespace {

template <typename Shape>
std::vector<Shape> parts_of(const std::vector<OpPart>& parts) {
  std::vector<Shape> out;
  for (const OpPart& p : parts) {
    if (const auto* s = std::get_if<Shape>(&p)) out.push_back(*s);
  }
  return out;
}

ParallelConfig tp(int n) {
  ParallelConfig p;
  p.tp = n;
  return p;
}

ServingSeq prefill(std::int64_t q, std::int64_t context, bool final_chunk) { return {q, context, false, final_chunk}; }
ServingSeq decode(std::int64_t context) { return {1, context, true, false}; }

TEST(ServingOps, KvBytesPerTokenPerLayerIsTheRanksKvHeads) {
  const ModelSpec m = test::tiny_model(false);  // 4 KV heads of 32, bf16
  EXPECT_EQ(kv_bytes_per_token_per_layer(m, tp(1)), 2 * 4 * 32 * 2);
  EXPECT_EQ(kv_bytes_per_token_per_layer(m, tp(2)), 2 * 2 * 32 * 2);
  EXPECT_EQ(kv_bytes_per_token_per_layer(m, tp(8)), 2 * 1 * 32 * 2);  // one replicated KV head
  const ModelSpec llama = test::llama3_8b();
  EXPECT_EQ(kv_bytes_per_token_per_layer(llama, tp(1)) * llama.layers, llama.kv_bytes_per_token());
}

TEST(ServingOps, GemmFlopsAreTwiceTokensTimesLayerWeights) {
  const ModelSpec m = test::llama3_8b();
  const std::vector<ServingSeq> seqs = {prefill(1000, 0, false), decode(500), decode(70)};
  const std::int64_t tokens = 1002;
  for (int n : {1, 2, 4}) {
    double gemm = 0;
    for (const GemmShape& g : parts_of<GemmShape>(serving_step_parts(m, tp(n), seqs, 3, false))) {
      gemm += 2.0 * static_cast<double>(g.m * g.n * g.k);
    }
    // Llama-3-8B layer matrices: QKV h x (q + 2kv), out q x h, gate+up h x 2f, down f x h.
    const double weights = 4096.0 * (4096 + 2 * 1024) + 4096.0 * 4096 + 3 * 4096.0 * 14336;
    EXPECT_DOUBLE_EQ(gemm, 3 * 2.0 * tokens * weights / n) << "tp " << n;
  }
}

TEST(ServingOps, PrefillChunksAndDecodesGetOneAttentionCallEachPerLayer) {
  const ModelSpec m = test::tiny_model(false);
  const std::vector<ServingSeq> seqs = {decode(99), decode(7), prefill(2048, 4096, false), prefill(30, 0, true)};
  const auto attention = parts_of<AttentionShape>(serving_step_parts(m, tp(2), seqs, 2, true));
  ASSERT_EQ(attention.size(), 4u);  // per layer: prefill, decode
  const AttentionShape& p = attention[0];
  EXPECT_FALSE(p.paged_decode);
  EXPECT_EQ(p.mask, AttentionMask::causal);
  EXPECT_EQ(p.seqs, (std::vector<AttentionSeq>{{2048, 6144}, {30, 30}}));
  EXPECT_EQ(p.heads_q, 4);
  EXPECT_EQ(p.heads_kv, 2);
  const AttentionShape& d = attention[1];
  EXPECT_TRUE(d.paged_decode);
  EXPECT_EQ(d.seqs, (std::vector<AttentionSeq>{{1, 100}, {1, 8}}));
  EXPECT_EQ(attention[2], p);
  EXPECT_EQ(attention[3], d);
}

TEST(ServingOps, TwoAllReducesPerLayerOfTokensTimesHiddenWhenTensorParallel) {
  const ModelSpec m = test::tiny_model(false);
  const std::vector<ServingSeq> seqs = {prefill(100, 0, false), decode(10)};
  EXPECT_TRUE(parts_of<CollectiveShape>(serving_step_parts(m, tp(1), seqs, 4, true)).empty());
  // Without the embedding and the head, only the layers' all-reduces remain.
  const auto cs = parts_of<CollectiveShape>(serving_step_parts(m, tp(2), seqs, 4, false, false));
  ASSERT_EQ(cs.size(), 8u);
  for (const CollectiveShape& c : cs) {
    EXPECT_EQ(c.kind, CollectiveKind::all_reduce);
    EXPECT_EQ(c.bytes, 101 * 256 * 2);
    EXPECT_EQ(c.ranks, 2);
  }
}

TEST(ServingOps, LmHeadRunsOnlyForSequencesThatSampleAToken) {
  const ModelSpec m = test::tiny_model(false);
  auto head_rows = [&](const std::vector<ServingSeq>& seqs) {
    std::int64_t rows = 0;
    for (const GemmShape& g : parts_of<GemmShape>(serving_step_parts(m, tp(1), seqs, 1, true))) {
      if (g.n == m.vocab) rows += g.m;
    }
    return rows;
  };
  EXPECT_EQ(head_rows({prefill(512, 0, false)}), 0);
  EXPECT_EQ(head_rows({prefill(512, 512, true)}), 1);
  EXPECT_EQ(head_rows({prefill(512, 0, false), prefill(9, 0, true), decode(3), decode(4)}), 3);
  // No head on a stage without it.
  for (const GemmShape& g : parts_of<GemmShape>(serving_step_parts(m, tp(1), {decode(3)}, 1, false))) {
    EXPECT_NE(g.n, m.vocab);
  }
}

TEST(ServingOps, EmptyBatchHasNoPartsAndBadSequencesAreRejected) {
  const ModelSpec m = test::tiny_model(false);
  EXPECT_TRUE(serving_step_parts(m, tp(1), {}, 4, true).empty());
  EXPECT_THROW(serving_step_parts(m, tp(1), {{2, 0, true, false}}, 4, true), InputError);
  EXPECT_THROW(serving_step_parts(m, tp(1), {{0, 0, false, false}}, 4, true), InputError);
}

TEST(ServingOps, KvSwapIsAMemcpyScaledToTheHostLink) {
  const OpPart part = kv_swap_part(1000, 50.0);
  const auto& e = std::get<ElementwiseShape>(part);
  EXPECT_EQ(e.kind, "memcpy");
  EXPECT_DOUBLE_EQ(bytes_of(part), 50000.0);
  EXPECT_DOUBLE_EQ(flops_of(part), 0.0);
  EXPECT_THROW(kv_swap_part(-1, 1.0), InputError);
}

}  // namespace
}  // namespace lcperf::core
