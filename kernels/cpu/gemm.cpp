// Cache-blocked GEMM. Tiles of 64 (m) x 256 (n) x 128 (k) keep a slab of B and a row
// of C hot; the inner loop runs over contiguous n so the compiler can vectorise it.
#include <algorithm>
#include <vector>

#include "kernels/gemm.hpp"

namespace lcperf::kernels {

namespace {
constexpr std::int64_t kTileM = 64;
constexpr std::int64_t kTileN = 256;
constexpr std::int64_t kTileK = 128;

float b_at(const GemmArgs& g, std::int64_t kk, std::int64_t nn) {
  return g.b_transposed ? g.b[nn * g.ldb + kk] : g.b[kk * g.ldb + nn];
}
}  // namespace

void gemm_naive_cpu(const GemmArgs& g) {
  for (std::int64_t i = 0; i < g.m; ++i) {
    for (std::int64_t j = 0; j < g.n; ++j) {
      double acc = 0;
      for (std::int64_t p = 0; p < g.k; ++p) acc += double(g.a[i * g.lda + p]) * double(b_at(g, p, j));
      float& c = g.c[i * g.ldc + j];
      c = static_cast<float>(g.alpha * acc + (g.beta == 0.0f ? 0.0 : double(g.beta) * c));
    }
  }
}

void gemm_cpu(const GemmArgs& g) {
  // Accumulate into a scratch tile so beta applies once and beta == 0 ignores
  // whatever (possibly NaN) C held, as BLAS does.
  std::vector<float> acc(static_cast<std::size_t>(kTileN));
  std::vector<float> b_tile(static_cast<std::size_t>(kTileK * kTileN));
  for (std::int64_t n0 = 0; n0 < g.n; n0 += kTileN) {
    const std::int64_t nb = std::min(kTileN, g.n - n0);
    for (std::int64_t m0 = 0; m0 < g.m; m0 += kTileM) {
      const std::int64_t mb = std::min(kTileM, g.m - m0);
      for (std::int64_t i = m0; i < m0 + mb; ++i) {
        float* c = g.c + i * g.ldc + n0;
        if (g.beta == 0.0f) {
          std::fill(c, c + nb, 0.0f);
        } else {
          for (std::int64_t j = 0; j < nb; ++j) c[j] *= g.beta;
        }
      }
      for (std::int64_t k0 = 0; k0 < g.k; k0 += kTileK) {
        const std::int64_t kb = std::min(kTileK, g.k - k0);
        // Pack B(k0.., n0..) row-major so the inner loop is unit-stride either way.
        for (std::int64_t p = 0; p < kb; ++p) {
          for (std::int64_t j = 0; j < nb; ++j) b_tile[static_cast<std::size_t>(p * kTileN + j)] = b_at(g, k0 + p, n0 + j);
        }
        for (std::int64_t i = m0; i < m0 + mb; ++i) {
          std::fill(acc.begin(), acc.begin() + nb, 0.0f);
          const float* a = g.a + i * g.lda + k0;
          for (std::int64_t p = 0; p < kb; ++p) {
            const float av = a[p];
            const float* b = b_tile.data() + p * kTileN;
            for (std::int64_t j = 0; j < nb; ++j) acc[static_cast<std::size_t>(j)] += av * b[j];
          }
          float* c = g.c + i * g.ldc + n0;
          for (std::int64_t j = 0; j < nb; ++j) c[j] += g.alpha * acc[static_cast<std::size_t>(j)];
        }
      }
    }
  }
}

}  // namespace lcperf::kernels
