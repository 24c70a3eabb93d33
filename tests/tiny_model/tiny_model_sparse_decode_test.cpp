// Flash-LLM check: one decode step of the tiny model with every linear layer run by the
// Tiled-CSL SpMM equals the same step with dense GEMMs on the identically pruned and
// fp16-rounded weights; the compressed sizes follow the format's byte formula.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "tiny_model/sparse_decode.hpp"
#include "tiny_model/tiny_model.hpp"
#include "tiny_model/training_step.hpp"
#include "core/errors.hpp"
#include "core/sparse_weights.hpp"
#include "kernels/fp16.hpp"

namespace lcperf::tiny {
namespace {

constexpr double kSparsity = 0.8;
// max |sparse - dense| / max |dense logit|: both paths multiply the same fp16 values in
// fp32, only the summation order differs.
constexpr double kLogitTolerance = 1e-5;

const TinyConfig kConfig;

struct DecodeCase {
  std::vector<std::vector<std::int32_t>> contexts;
  std::vector<std::int32_t> next;
};

DecodeCase decode_case() {
  const std::vector<std::int64_t> lengths = {3, 5, 7, 2, 9, 4};  // batch 6, a few tokens of context each
  DecodeCase c;
  for (const TokenSequence& s : random_sequences(lengths, kConfig.vocab, 77)) {
    c.contexts.push_back(s.tokens);
    c.next.push_back(s.labels.back());
  }
  return c;
}

double relative_max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(double(b[i])));
  }
  return diff / scale;
}

std::vector<std::pair<const char*, const kernels::TiledCsl*>> all_matrices(const SparseTinyModel& m) {
  std::vector<std::pair<const char*, const kernels::TiledCsl*>> out;
  for (const auto& l : m.layers) {
    out.push_back({"wqkv", &l.wqkv});
    out.push_back({"wo", &l.wo});
    out.push_back({"w_gate_up", &l.w_gate_up});
    out.push_back({"w_down", &l.w_down});
  }
  out.push_back({"lm_head", &m.lm_head});
  return out;
}

TEST(TinyModelSparseDecode, SpmmStepMatchesDenseStepOnThePrunedRoundedWeights) {
  const SparseTinyModel model = prune_to_tiled_csl(random_weights(kConfig, 31), kSparsity);
  const DecodeCase dc = decode_case();
  PagedKvCache sparse_cache = prefill_paged_cache(model.pruned, dc.contexts, 4, 1, 5);
  PagedKvCache dense_cache = sparse_cache;
  const auto sparse = decode_step(model, LinearPath::tiled_csl_spmm, sparse_cache, dc.next);
  const auto dense = decode_step(model, LinearPath::dense_gemm, dense_cache, dc.next);
  const double err = relative_max_diff(sparse, dense);
  std::printf("sparse vs dense decode logits: max|diff|/max|logit| = %.3e\n", err);
  EXPECT_LE(err, kLogitTolerance);
  for (int b = 0; b < 6; ++b) EXPECT_EQ(sparse_cache.seq_lens[std::size_t(b)], int(dc.contexts[std::size_t(b)].size()) + 1);
}

TEST(TinyModelSparseDecode, DenseDecodeStepEqualsTheFullForwardsLastToken) {
  // The paged decode path is a faithful step of the model: its logits equal the last
  // row of a whole forward over context + new token.
  const SparseTinyModel model = prune_to_tiled_csl(random_weights(kConfig, 31), kSparsity);
  const DecodeCase dc = decode_case();
  PagedKvCache cache = prefill_paged_cache(model.pruned, dc.contexts, 4, 1, 5);
  const auto logits = decode_step(model, LinearPath::dense_gemm, cache, dc.next);
  for (std::size_t b = 0; b < dc.contexts.size(); ++b) {
    TokenBlock block;
    block.tokens = dc.contexts[b];
    block.tokens.push_back(dc.next[b]);
    block.labels = block.tokens;
    block.positions.resize(block.tokens.size());
    std::iota(block.positions.begin(), block.positions.end(), std::int64_t{0});
    block.seq_lens = {static_cast<std::int32_t>(block.tokens.size())};
    const BlockActivations acts = forward_block(model.pruned, block, {});
    const std::vector<float> last(acts.logits.end() - kConfig.vocab, acts.logits.end());
    const std::vector<float> step(logits.begin() + static_cast<std::ptrdiff_t>(b) * kConfig.vocab,
                                  logits.begin() + static_cast<std::ptrdiff_t>(b + 1) * kConfig.vocab);
    EXPECT_LE(relative_max_diff(step, last), 1e-5) << b;
  }
}

TEST(TinyModelSparseDecode, PruningReachesTheTargetAndChangesTheModel) {
  const TinyWeights dense = random_weights(kConfig, 31);
  const SparseTinyModel model = prune_to_tiled_csl(dense, kSparsity);
  for (const auto& l : model.pruned.layers) {
    for (const std::vector<float>* w : {&l.wqkv, &l.wo, &l.w_gate_up, &l.w_down}) {
      const auto zeros = std::count(w->begin(), w->end(), 0.0f);
      EXPECT_EQ(zeros, std::llround(kSparsity * double(w->size())));  // magnitude pruning; no survivor rounds to 0
    }
  }
  // The pruned model predicts differently from the dense one (the comparison above is
  // not between two copies of the unpruned model).
  const DecodeCase dc = decode_case();
  PagedKvCache cache = prefill_paged_cache(model.pruned, dc.contexts, 4, 1, 5);
  const SparseTinyModel unpruned = prune_to_tiled_csl(dense, 0.0);
  PagedKvCache cache2 = prefill_paged_cache(unpruned.pruned, dc.contexts, 4, 1, 5);
  EXPECT_GT(relative_max_diff(decode_step(model, LinearPath::tiled_csl_spmm, cache, dc.next),
                              decode_step(unpruned, LinearPath::tiled_csl_spmm, cache2, dc.next)),
            1e-2);
}

TEST(TinyModelSparseDecode, CompressedBytesFollowTheTiledCslFormula) {
  const SparseTinyModel model = prune_to_tiled_csl(random_weights(kConfig, 31), kSparsity);
  for (const auto& [name, a] : all_matrices(model)) {
    std::vector<float> w(static_cast<std::size_t>(a->m * a->k));
    kernels::tiled_csl_to_dense(*a, w.data());
    // Exact size counted here: every 128 x 64 tile's non-zeros padded up to a multiple
    // of 4, 4 bytes each, plus tiles + 2 int32 offsets.
    std::int64_t entries = 0, nonzeros = 0;
    const std::int64_t tiles = (a->m / 128) * (a->k / 64);
    for (std::int64_t r0 = 0; r0 < a->m; r0 += 128) {
      for (std::int64_t c0 = 0; c0 < a->k; c0 += 64) {
        std::int64_t nz = 0;
        for (std::int64_t r = r0; r < r0 + 128; ++r) {
          for (std::int64_t c = c0; c < c0 + 64; ++c) nz += w[static_cast<std::size_t>(r * a->k + c)] != 0.0f;
        }
        nonzeros += nz;
        entries += (nz + 3) / 4 * 4;
      }
    }
    EXPECT_EQ(a->bytes(), 4 * entries + 4 * (tiles + 2)) << name;
    // core's expected-size formula assumes 1.5 pad entries per tile on average; the
    // real pad of a tile is 0..3, so the two differ by at most 1.5 * 4 bytes per tile.
    const double sparsity = 1.0 - double(nonzeros) / double(a->m * a->k);
    EXPECT_NEAR(sparsity, kSparsity, 1.0 / double(a->m * a->k)) << name;  // round(s * m * k) zeros
    const double expected = core::tiled_csl_bytes(a->m, a->k, sparsity);
    EXPECT_LE(std::fabs(double(a->bytes()) - expected), 6.0 * double(tiles)) << name;
    // About 2 (1 - s) of the dense fp16 bytes: 0.4 at 80 %.
    EXPECT_NEAR(double(a->bytes()) / double(2 * a->m * a->k), 2 * (1 - kSparsity), 0.01) << name;
  }
}

TEST(TinyModelSparseDecode, RejectsWeightsOffTheTileGrid) {
  TinyConfig off_grid;
  off_grid.hidden = 96;
  EXPECT_THROW(prune_to_tiled_csl(random_weights(off_grid, 1), kSparsity), core::InputError);
  EXPECT_THROW(prune_to_tiled_csl(random_weights(kConfig, 1), 1.0), core::InputError);
}

}  // namespace
}  // namespace lcperf::tiny
