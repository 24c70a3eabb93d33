#include <gtest/gtest.h>

#include "kernel_test_util.hpp"
#include "kernels/fp16.hpp"
#include "kernels/gemm.hpp"
#include "kernels/tiled_csl.hpp"

namespace lcperf::kernels {
namespace {

std::vector<float> pruned_weight(std::int64_t m, std::int64_t k, double sparsity) {
  auto w = test::random_vector(static_cast<std::size_t>(m * k), 17);
  magnitude_prune_cpu(m, k, sparsity, w.data());
  return w;
}

TEST(TiledCsl, PruningZeroesTheRequestedFraction) {
  const auto w = pruned_weight(128, 64, 0.8);
  EXPECT_EQ(std::count(w.begin(), w.end(), 0.0f), std::llround(0.8 * 128 * 64));
}

TEST(TiledCsl, RoundTripsAndPadsTilesToFourEntries) {
  const std::int64_t m = 256, k = 192;
  const auto w = pruned_weight(m, k, 0.7);
  const TiledCsl a = tiled_csl_from_dense(m, k, w.data());
  ASSERT_EQ(a.tiles(), 2 * 3);
  ASSERT_EQ(a.tile_offsets.size(), static_cast<std::size_t>(a.tiles() + 2));
  EXPECT_EQ(a.tile_offsets.front(), 0);
  EXPECT_EQ(a.tile_offsets.back(), a.tile_offsets[a.tile_offsets.size() - 2]);
  EXPECT_EQ(4 * static_cast<std::size_t>(a.tile_offsets.back()), a.entries.size());
  std::vector<float> back(w.size());
  tiled_csl_to_dense(a, back.data());
  for (std::size_t i = 0; i < w.size(); ++i) ASSERT_EQ(back[i], round_fp16(w[i])) << i;
  // ~4 bytes per non-zero: about 2 (1 - s) of the dense fp16 bytes.
  const double ratio = double(a.bytes()) / double(2 * m * k);
  EXPECT_NEAR(ratio, 2 * (1 - 0.7), 0.02);
}

TEST(TiledCsl, EntriesCarrySwizzledPositionsAndFp16Bits) {
  std::vector<float> w(128 * 64, 0.0f);
  w[9 * 64 + 3] = 1.5f;
  const TiledCsl a = tiled_csl_from_dense(128, 64, w.data());
  ASSERT_EQ(a.entries.size(), 4u);  // one value plus three zero pads
  EXPECT_EQ(a.entries[0] >> 16, 9u * 64 + (3 ^ 8));
  EXPECT_EQ(a.entries[0] & 0xffffu, to_fp16(1.5f).bits);
  for (int i = 1; i < 4; ++i) EXPECT_EQ(a.entries[static_cast<std::size_t>(i)] & 0xffffu, 0u);
}

TEST(SpmmTiledCslCpu, MatchesDenseGemmOnTheRoundedWeight) {
  const std::int64_t m = 256, k = 128;
  const auto w = pruned_weight(m, k, 0.8);
  const TiledCsl a = tiled_csl_from_dense(m, k, w.data());
  std::vector<float> dense(w.size());
  tiled_csl_to_dense(a, dense.data());
  for (std::int64_t n : {1, 16, 37}) {
    const auto x = test::random_vector(static_cast<std::size_t>(n * k), 4);
    std::vector<float> y(static_cast<std::size_t>(n * m)), want(y.size());
    spmm_tiled_csl_cpu(a, n, x.data(), y.data());
    GemmArgs g;
    g.m = n, g.n = m, g.k = k;
    g.a = x.data(), g.lda = k, g.b = dense.data(), g.ldb = k, g.b_transposed = true;
    g.c = want.data(), g.ldc = m;
    gemm_naive_cpu(g);
    EXPECT_LT(test::relative_error(y, want), 1e-5) << n;
  }
}

TEST(TiledCsl, RejectsShapesOffTheTileGrid) {
  std::vector<float> w(100 * 64);
  EXPECT_THROW(tiled_csl_from_dense(100, 64, w.data()), std::invalid_argument);
}

}  // namespace
}  // namespace lcperf::kernels
