#pragma once
// Dense GEMM, fp32 CPU reference. Row-major: C[m][n] = alpha * sum_k A[m][k] * B(k, n)
// + beta * C[m][n], where B(k, n) is B[k][n], or B[n][k] when b_transposed (the
// layout of a weight applied as y = x W^T). Leading dimensions are the row strides.
#include <cstdint>

namespace lcperf::kernels {

struct GemmArgs {
  std::int64_t m = 0, n = 0, k = 0;
  const float* a = nullptr;
  std::int64_t lda = 0;
  const float* b = nullptr;
  std::int64_t ldb = 0;
  float* c = nullptr;
  std::int64_t ldc = 0;
  bool b_transposed = false;
  float alpha = 1.0f;
  float beta = 0.0f;
};

// Blocked loops (cache tiles over m, n, k); no external BLAS.
void gemm_cpu(const GemmArgs& args);

// The same product with the textbook triple loop, for tests.
void gemm_naive_cpu(const GemmArgs& args);

}  // namespace lcperf::kernels
