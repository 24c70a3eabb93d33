// The slash-placement model of core::vertical_slash_work against the real index
// conversion (kernels::vertical_slash_to_blocks): contiguous slashes give exactly the
// conversion's tile count; randomly spread slashes give, on average over seeded offset
// sets, the closed form core::spread_slash_tiles.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "core/qwen1m_attention.hpp"
#include "kernels/vertical_slash.hpp"

namespace lcperf::kernels {
namespace {

// Tiles the conversion emits for the last query block (rows of them) of kv_len keys.
double converted_tiles(const std::vector<std::int32_t>& slash, std::int64_t rows, std::int64_t kv_len) {
  VerticalSlashIndex head;
  head.slash = slash;
  std::sort(head.slash.begin(), head.slash.end(), std::greater<>());
  const BlockSparseIndex index = vertical_slash_to_blocks({head}, rows, kv_len);
  return index.block_count.back();
}

// `lines` distinct offsets drawn uniformly from [first, last).
std::vector<std::int32_t> random_offsets(std::int64_t lines, std::int32_t first, std::int32_t last,
                                         std::mt19937& rng) {
  std::vector<std::int32_t> all(static_cast<std::size_t>(last - first));
  std::iota(all.begin(), all.end(), first);
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(static_cast<std::size_t>(lines));
  return all;
}

TEST(VerticalSlashPlacement, ContiguousSlashesMatchTheConversionExactly) {
  // Spread 0: s slashes at offsets 0 .. s-1 of one 64-row block of 8192 keys.
  for (std::int64_t s : {100, 163, 500, 1000, 4000}) {
    std::vector<std::int32_t> slash(static_cast<std::size_t>(s));
    std::iota(slash.begin(), slash.end(), 0);
    const core::VerticalSlashWork w = core::vertical_slash_work(64, 8192, 30, s, 1, 0.0);
    EXPECT_DOUBLE_EQ(w.tile_pairs / (64.0 * 64.0), converted_tiles(slash, 64, 8192)) << s;
  }
}

TEST(VerticalSlashPlacement, SpreadSlashesMatchTheConversionOnAverage) {
  // Lines placed at random over `positions` offsets; the mean tile count over 40 seeded
  // sets against the closed form, from sparse (mostly lone tiles) to dense (one run).
  struct Case {
    std::int64_t lines, positions, rows;
  };
  for (const Case c : {Case{200, 65536, 64}, Case{1000, 65536, 64}, Case{3000, 65536, 64}, Case{8000, 65536, 64},
                       Case{1000, 65536, 17}}) {
    std::mt19937 rng(7);
    const int sets = 40;
    double mean = 0;
    for (int i = 0; i < sets; ++i) {
      // Offsets start past the block's first row so no range is clipped at key 0 or at
      // the diagonal; kv_len leaves room for the largest offset.
      const auto slash = random_offsets(c.lines, 64, static_cast<std::int32_t>(64 + c.positions), rng);
      mean += converted_tiles(slash, c.rows, c.positions + 256) / sets;
    }
    const double model = core::spread_slash_tiles(static_cast<double>(c.lines), static_cast<double>(c.positions), c.rows);
    EXPECT_NEAR(model, mean, 0.02 * mean) << c.lines << " lines over " << c.positions << ", rows " << c.rows;
  }
}

TEST(VerticalSlashPlacement, SpreadingSlashesCostsTilesNotKeys) {
  // 64 rows of 65536 keys, 1100 slashes: contiguous they are ceil(1163 / 64) = 19 tiles;
  // with all 1000 non-forced lines spread the block runs the local 3 tiles plus the
  // closed form's tiles for 1000 lines over the other 65436 offsets.
  const core::VerticalSlashWork packed = core::vertical_slash_work(64, 65536, 30, 1100, 1, 0.0);
  const core::VerticalSlashWork spread = core::vertical_slash_work(64, 65536, 30, 1100, 1, 1.0);
  EXPECT_DOUBLE_EQ(packed.tile_pairs, 64.0 * 64 * 19);
  const double tiles = 3 + core::spread_slash_tiles(1000, 65436, 64);
  EXPECT_NEAR(spread.tile_pairs + spread.gathered_pairs, 64.0 * 64 * tiles, 64.0 * 64);  // + the vertical group
  EXPECT_GT(spread.executed_pairs(), 10 * packed.executed_pairs() / 2);
}

}  // namespace
}  // namespace lcperf::kernels
