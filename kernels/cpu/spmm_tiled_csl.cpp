// SpMM straight from the sparse entries: each decoded (row, col, value) of a tile
// updates one output feature for every token. Work is proportional to nnz * n, the
// "load as sparse" half of Flash-LLM without its dense compute half.
#include <algorithm>

#include "kernels/fp16.hpp"
#include "kernels/tiled_csl.hpp"

namespace lcperf::kernels {

void spmm_tiled_csl_cpu(const TiledCsl& a, std::int64_t n, const float* x, float* y) {
  std::fill(y, y + n * a.m, 0.0f);
  const std::int64_t k_tiles = a.k / kCslTileK;
  for (std::int64_t t = 0; t < a.tiles(); ++t) {
    const std::int64_t m0 = (t / k_tiles) * kCslTileM, k0 = (t % k_tiles) * kCslTileK;
    for (std::int64_t e = 4 * std::int64_t{a.tile_offsets[static_cast<std::size_t>(t)]};
         e < 4 * std::int64_t{a.tile_offsets[static_cast<std::size_t>(t + 1)]}; ++e) {
      const std::uint32_t word = a.entries[static_cast<std::size_t>(e)];
      const float value = to_float(Fp16{static_cast<std::uint16_t>(word & 0xffffu)});
      if (value == 0.0f) continue;  // padding
      const int pos = static_cast<int>(word >> 16);
      const int row = pos / kCslTileK;
      const std::int64_t col = k0 + csl_swizzled_column(row, pos % kCslTileK);
      for (std::int64_t j = 0; j < n; ++j) y[j * a.m + m0 + row] += value * x[j * a.k + col];
    }
  }
}

}  // namespace lcperf::kernels
