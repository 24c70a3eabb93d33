// Per-class sparsity, Tiled-CSL weight bytes and the SpMM rewrite of serving steps.
#include <gtest/gtest.h>

#include <variant>

#include "core/errors.hpp"
#include "core/scenario.hpp"
#include "core/serving_ops.hpp"
#include "core/sparse_weights.hpp"

namespace lcperf::core {
namespace {

ParallelConfig tp(int n) {
  ParallelConfig p;
  p.tp = n;
  return p;
}

TEST(SparseWeights, TiledCslBytesByHand) {
  // 256 x 128 at 75 %: 8192 non-zeros, 2 x 2 = 4 tiles with 1.5 padding entries each,
  // 4 + 2 offsets: 4 * (8192 + 6) + 4 * 6 bytes.
  EXPECT_DOUBLE_EQ(tiled_csl_bytes(256, 128, 0.75), 4.0 * (8192 + 6) + 24.0);
  // Dense fp16 is 2 bytes per element; at 80 % the format is ~0.4 of it.
  const double ratio = tiled_csl_bytes(7168, 7168, 0.8) / (2.0 * 7168 * 7168);
  EXPECT_NEAR(ratio, 0.4, 0.001);
  EXPECT_THROW(tiled_csl_bytes(128, 64, 1.0), InputError);
}

TEST(SparseWeights, LayerMatricesFollowTp) {
  const ModelSpec m = load_model("opt-30b");
  const auto w = layer_weight_matrices(m, tp(4));
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].out, 3 * 7168 / 4);
  EXPECT_EQ(w[0].in, 7168);
  EXPECT_EQ(w[1].in, 7168 / 4);
  EXPECT_EQ(w[2].out, 28672 / 4);
  EXPECT_EQ(w[3].in, 28672 / 4);
}

TEST(SparseWeights, CompressedWeightBytes) {
  const ModelSpec m = load_model("opt-30b");
  const auto always = sparsity_at_least(0.0);
  const double dense = weight_bytes_per_rank(m, tp(1), SparseWeights{}, always, 8);
  EXPECT_DOUBLE_EQ(dense, 2.0 * static_cast<double>(m.total_params()));
  const double sparse = weight_bytes_per_rank(m, tp(1), SparseWeights::uniform(0.8), always, 8);
  double expected = dense;
  for (const WeightMatrix& w : layer_weight_matrices(m, tp(1))) {
    expected += m.layers * (tiled_csl_bytes(w.out, w.in, 0.8) - 2.0 * w.out * w.in);
  }
  EXPECT_DOUBLE_EQ(sparse, expected);
  EXPECT_LT(sparse, 0.5 * dense);
  // Below the format's 50 % limit, and where the choice says no, weights stay dense.
  EXPECT_DOUBLE_EQ(weight_bytes_per_rank(m, tp(1), SparseWeights::uniform(0.4), always, 8), dense);
  EXPECT_DOUBLE_EQ(weight_bytes_per_rank(m, tp(1), SparseWeights::uniform(0.8), sparsity_at_least(0.9), 8), dense);
}

TEST(SparseWeights, RewriteOnlyAboveBreakEven) {
  const ModelSpec m = load_model("opt-30b");
  const std::vector<ServingSeq> seqs(16, ServingSeq{1, 100, true, false});
  const auto parts = serving_step_parts(m, tp(2), seqs, 1, true);
  auto count = [](const std::vector<OpPart>& ps) {
    int spmm = 0;
    int gemm = 0;
    for (const OpPart& p : ps) {
      spmm += std::holds_alternative<SpmmShape>(p);
      gemm += std::holds_alternative<GemmShape>(p);
    }
    return std::pair{spmm, gemm};
  };
  const auto before = count(parts);
  EXPECT_EQ(before.first, 0);
  // Classes at 80 % with a 70 % threshold: the four layer weights turn sparse, the LM head stays.
  SparseWeights sw = SparseWeights::uniform(0.8);
  sw.out = 0.6;  // below the threshold: stays dense
  const auto rewritten = rewrite_sparse_weight_parts(parts, m, tp(2), sw, sparsity_at_least(0.7));
  EXPECT_EQ(count(rewritten).first, 3);
  EXPECT_EQ(count(rewritten).second, before.second - 3);
  for (const OpPart& p : rewritten) {
    if (const auto* s = std::get_if<SpmmShape>(&p)) {
      EXPECT_EQ(s->n, 16);  // tokens become the SpMM's N
      EXPECT_DOUBLE_EQ(s->sparsity, 0.8);
    }
  }
  // All-dense weights, or a choice that declines, leave the parts untouched.
  EXPECT_EQ(rewrite_sparse_weight_parts(parts, m, tp(2), SparseWeights{}, sparsity_at_least(0.0)), parts);
  EXPECT_EQ(rewrite_sparse_weight_parts(parts, m, tp(2), sw, sparsity_at_least(0.95)), parts);
}

}  // namespace
}  // namespace lcperf::core
