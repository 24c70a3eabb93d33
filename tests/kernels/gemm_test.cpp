#include <gtest/gtest.h>

#include "kernel_test_util.hpp"
#include "kernels/gemm.hpp"

namespace lcperf::kernels {
namespace {

void check_gemm(std::int64_t m, std::int64_t n, std::int64_t k, bool b_transposed, float beta) {
  const auto a = test::random_vector(static_cast<std::size_t>(m * k), 1);
  const auto b = test::random_vector(static_cast<std::size_t>(k * n), 2);
  auto c_init = test::random_vector(static_cast<std::size_t>(m * n), 3);
  auto c_fast = c_init, c_naive = c_init;
  GemmArgs g;
  g.m = m, g.n = n, g.k = k;
  g.a = a.data(), g.lda = k;
  g.b = b.data(), g.ldb = b_transposed ? k : n, g.b_transposed = b_transposed;
  g.alpha = 0.5f, g.beta = beta;
  g.c = c_fast.data(), g.ldc = n;
  gemm_cpu(g);
  g.c = c_naive.data();
  gemm_naive_cpu(g);
  EXPECT_LT(test::relative_error(c_fast, c_naive), 1e-5) << m << "x" << n << "x" << k;
}

TEST(GemmCpu, BlockedMatchesNaiveAcrossTileEdges) {
  check_gemm(70, 260, 131, false, 0.0f);  // every dimension crosses a tile edge
  check_gemm(70, 260, 131, true, 1.5f);   // weight layout (y = x W^T) with accumulation
}

TEST(GemmCpu, SkinnyDecodeShapes) {
  check_gemm(1, 96, 300, true, 0.0f);
  check_gemm(4, 512, 64, true, 0.0f);
  check_gemm(300, 1, 40, false, 0.0f);
}

TEST(GemmCpu, BetaZeroIgnoresNaNInOutput) {
  std::vector<float> a = {1, 2, 3, 4}, b = {1, 0, 0, 1}, c(4, std::nanf(""));
  GemmArgs g;
  g.m = g.n = g.k = 2;
  g.a = a.data(), g.lda = 2, g.b = b.data(), g.ldb = 2, g.c = c.data(), g.ldc = 2;
  gemm_cpu(g);
  EXPECT_EQ(c, a);  // A * I
}

}  // namespace
}  // namespace lcperf::kernels
