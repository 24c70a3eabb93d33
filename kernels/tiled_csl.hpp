#pragma once
// Tiled-CSL (Flash-LLM's "load as sparse, compute as dense" weight format) and its
// SpMM, fp32 CPU reference.
//
// The M x K weight A (row-major, M = output features) is cut into 128 x 64 tiles,
// stored row-tile-major. Each non-zero is one 32-bit word: its fp16 bits in the low
// half and its in-tile position row * 64 + (col ^ ((row % 8) * 8)) in the high half —
// the XOR swizzle of the kernel's shared-memory tile, so a scattered value lands in
// the bank-conflict-free layout directly. Each tile's entry count is padded to a
// multiple of 4 with zero values at zero positions (128-bit loads). tile_offsets has
// tiles + 2 entries in units of 4-entry vectors: 0, the end of each tile, and one
// repeat so a kernel may read "the next tile" past the last one. Entries stay in
// row-major order inside a tile (Flash-LLM's "NoReorder" layout; the bank reordering
// is a performance refinement that does not change the product).
//
// SpMM: Y = X A^T, i.e. Y[n][m] = sum_k A[m][k] X[n][k] for X [N][K] and Y [N][M]
// row-major (Flash-LLM's column-major B and C).
#include <cstdint>
#include <vector>

#include "kernels/fp16.hpp"

namespace lcperf::kernels {

constexpr int kCslTileM = 128;
constexpr int kCslTileK = 64;

struct TiledCsl {
  std::int64_t m = 0;
  std::int64_t k = 0;
  std::vector<std::uint32_t> entries;
  std::vector<std::int32_t> tile_offsets;

  std::int64_t tiles() const { return (m / kCslTileM) * (k / kCslTileK); }
  // Bytes the format occupies (4 per padded non-zero, 4 per tile offset).
  std::int64_t bytes() const {
    return static_cast<std::int64_t>(4 * entries.size() + 4 * tile_offsets.size());
  }
};

inline int csl_swizzled_column(int row, int col) { return col ^ ((row % 8) * 8); }

// Calls visit(row, column, value) for every stored entry of `a` in storage order, with
// the matrix's row and column (swizzle undone); padding entries come with value 0.
template <typename Visit>
void for_each_csl_entry(const TiledCsl& a, Visit&& visit) {
  const std::int64_t k_tiles = a.k / kCslTileK;
  for (std::int64_t t = 0; t < a.tiles(); ++t) {
    const std::int64_t m0 = (t / k_tiles) * kCslTileM, k0 = (t % k_tiles) * kCslTileK;
    for (std::int64_t e = 4 * std::int64_t{a.tile_offsets[static_cast<std::size_t>(t)]};
         e < 4 * std::int64_t{a.tile_offsets[static_cast<std::size_t>(t + 1)]}; ++e) {
      const std::uint32_t word = a.entries[static_cast<std::size_t>(e)];
      const int pos = static_cast<int>(word >> 16);
      const int row = pos / kCslTileK;
      const int col = csl_swizzled_column(row, pos % kCslTileK);  // XOR is its own inverse
      visit(m0 + row, k0 + col, to_float(Fp16{static_cast<std::uint16_t>(word & 0xffffu)}));
    }
  }
}

// Zeroes the round(sparsity * m * k) smallest-magnitude entries of w in place.
void magnitude_prune_cpu(std::int64_t m, std::int64_t k, double sparsity, float* w);

// Builds the format from a dense matrix (m % 128 == 0, k % 64 == 0). Values are
// rounded to fp16; entries that round to zero are dropped.
TiledCsl tiled_csl_from_dense(std::int64_t m, std::int64_t k, const float* dense);

// The fp16-rounded dense matrix the format encodes.
void tiled_csl_to_dense(const TiledCsl& a, float* dense);

void spmm_tiled_csl_cpu(const TiledCsl& a, std::int64_t n, const float* x, float* y);

}  // namespace lcperf::kernels
