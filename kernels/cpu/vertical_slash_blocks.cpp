// Vertical/slash indices -> per-query-block tiles and columns.
//
// For query rows [r0, r1) (positions offset + r0 .. offset + r1 - 1), slash offset s
// touches key columns [offset + r0 - s, offset + r1 - s), clipped to the causal limit
// offset + r1 and to 0. Ranges are sorted and merged whenever the next one starts
// less than 64 columns past the current end; each merged range [a, b) becomes tiles
// at a, a + 64, ... The last tile overhangs b by at most 63 columns, and an unmerged
// next range starts at least 64 past b, so tiles never overlap: no key is counted
// twice. Verticals inside a tile are already covered; the rest become columns.
#include <algorithm>
#include <utility>

#include "kernels/vertical_slash.hpp"

namespace lcperf::kernels {

namespace {

struct BlockLists {
  std::vector<std::int32_t> tiles;
  std::vector<std::int32_t> columns;
};

BlockLists convert_block(const VerticalSlashIndex& index, std::int64_t first_pos, std::int64_t end_pos) {
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  for (std::int32_t s : index.slash) {
    const std::int64_t lo = std::max<std::int64_t>(0, first_pos - s);
    const std::int64_t hi = std::min<std::int64_t>(end_pos, end_pos - s);
    if (lo < hi) ranges.emplace_back(lo, hi);
  }
  std::sort(ranges.begin(), ranges.end());
  BlockLists lists;
  for (std::size_t i = 0; i < ranges.size();) {
    std::int64_t a = ranges[i].first, b = ranges[i].second;
    for (++i; i < ranges.size() && ranges[i].first < b + kSparseBlock; ++i) b = std::max(b, ranges[i].second);
    for (std::int64_t t = a; t < b; t += kSparseBlock) lists.tiles.push_back(static_cast<std::int32_t>(t));
  }
  std::size_t tile = 0;
  for (std::int32_t col : index.vertical) {
    if (col >= end_pos) break;
    while (tile < lists.tiles.size() && lists.tiles[tile] + kSparseBlock <= col) ++tile;
    const bool covered = tile < lists.tiles.size() && lists.tiles[tile] <= col;
    if (!covered) lists.columns.push_back(col);
  }
  return lists;
}

}  // namespace

BlockSparseIndex vertical_slash_to_blocks(const std::vector<VerticalSlashIndex>& heads, std::int64_t q_len,
                                          std::int64_t kv_len) {
  BlockSparseIndex index;
  index.heads = static_cast<int>(heads.size());
  index.q_blocks = static_cast<int>((q_len + kSparseBlock - 1) / kSparseBlock);
  const std::int64_t offset = kv_len - q_len;
  std::vector<BlockLists> all;
  for (const VerticalSlashIndex& head : heads) {
    for (int m = 0; m < index.q_blocks; ++m) {
      const std::int64_t r0 = std::int64_t{m} * kSparseBlock;
      const std::int64_t r1 = std::min<std::int64_t>(q_len, r0 + kSparseBlock);
      all.push_back(convert_block(head, offset + r0, offset + r1));
      index.max_blocks = std::max(index.max_blocks, static_cast<int>(all.back().tiles.size()));
      index.max_columns = std::max(index.max_columns, static_cast<int>(all.back().columns.size()));
    }
  }
  const std::size_t entries = all.size();
  index.block_count.assign(entries, 0);
  index.column_count.assign(entries, 0);
  index.block_offset.assign(entries * static_cast<std::size_t>(index.max_blocks), 0);
  index.column_index.assign(entries * static_cast<std::size_t>(index.max_columns), 0);
  for (std::size_t e = 0; e < entries; ++e) {
    index.block_count[e] = static_cast<std::int32_t>(all[e].tiles.size());
    index.column_count[e] = static_cast<std::int32_t>(all[e].columns.size());
    std::copy(all[e].tiles.begin(), all[e].tiles.end(), index.block_offset.begin() + static_cast<std::ptrdiff_t>(e * index.max_blocks));
    std::copy(all[e].columns.begin(), all[e].columns.end(), index.column_index.begin() + static_cast<std::ptrdiff_t>(e * index.max_columns));
  }
  return index;
}

}  // namespace lcperf::kernels
