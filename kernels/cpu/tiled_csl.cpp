// Format conversion: dense -> Tiled-CSL and back, plus magnitude pruning to make a
// weight of a given sparsity.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "kernels/fp16.hpp"
#include "kernels/tiled_csl.hpp"

namespace lcperf::kernels {

void magnitude_prune_cpu(std::int64_t m, std::int64_t k, double sparsity, float* w) {
  const std::int64_t total = m * k;
  const auto zeros = static_cast<std::int64_t>(std::llround(std::clamp(sparsity, 0.0, 1.0) * double(total)));
  std::vector<std::int64_t> idx(static_cast<std::size_t>(total));
  std::iota(idx.begin(), idx.end(), 0);
  std::nth_element(idx.begin(), idx.begin() + zeros, idx.end(),
                   [w](std::int64_t a, std::int64_t b) { return std::fabs(w[a]) < std::fabs(w[b]) || (std::fabs(w[a]) == std::fabs(w[b]) && a < b); });
  for (std::int64_t i = 0; i < zeros; ++i) w[idx[static_cast<std::size_t>(i)]] = 0.0f;
}

TiledCsl tiled_csl_from_dense(std::int64_t m, std::int64_t k, const float* dense) {
  if (m % kCslTileM != 0 || k % kCslTileK != 0) {
    throw std::invalid_argument("Tiled-CSL needs m % 128 == 0 and k % 64 == 0");
  }
  TiledCsl a;
  a.m = m;
  a.k = k;
  a.tile_offsets.push_back(0);
  std::vector<bool> used(kCslTileM * kCslTileK);
  for (std::int64_t tm = 0; tm < m / kCslTileM; ++tm) {
    for (std::int64_t tk = 0; tk < k / kCslTileK; ++tk) {
      std::fill(used.begin(), used.end(), false);
      std::size_t count = 0;
      for (int row = 0; row < kCslTileM; ++row) {
        for (int col = 0; col < kCslTileK; ++col) {
          const Fp16 value = to_fp16(dense[(tm * kCslTileM + row) * k + tk * kCslTileK + col]);
          if ((value.bits & 0x7fffu) == 0) continue;  // +0 and -0 are not stored
          const int pos = row * kCslTileK + csl_swizzled_column(row, col);
          used[static_cast<std::size_t>(pos)] = true;
          a.entries.push_back((static_cast<std::uint32_t>(pos) << 16) | value.bits);
          ++count;
        }
      }
      // Pad with zeros at unused positions: a tile with nnz % 4 != 0 has at least
      // 4 - nnz % 4 free positions since 8192 is a multiple of 4.
      for (int pos = 0; count % 4 != 0; ++pos) {
        if (used[static_cast<std::size_t>(pos)]) continue;
        a.entries.push_back(static_cast<std::uint32_t>(pos) << 16);
        ++count;
      }
      a.tile_offsets.push_back(static_cast<std::int32_t>(a.entries.size() / 4));
    }
  }
  a.tile_offsets.push_back(a.tile_offsets.back());
  return a;
}

void tiled_csl_to_dense(const TiledCsl& a, float* dense) {
  std::fill(dense, dense + a.m * a.k, 0.0f);
  for_each_csl_entry(a, [&](std::int64_t row, std::int64_t col, float value) { dense[row * a.k + col] += value; });
}

}  // namespace lcperf::kernels
