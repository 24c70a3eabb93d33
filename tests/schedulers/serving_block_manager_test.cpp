// Paged KV block accounting: rounding, watermark, growth, swap, conservation.
#include "schedulers/serving/block_manager.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/errors.hpp"

namespace lcperf::schedulers::serving {
namespace {

TEST(BlockManager, BlocksForTokensRoundsUp) {
  const BlockManager b(100, 16, 0.0);
  EXPECT_EQ(b.blocks_for_tokens(0), 0);
  EXPECT_EQ(b.blocks_for_tokens(1), 1);
  EXPECT_EQ(b.blocks_for_tokens(16), 1);
  EXPECT_EQ(b.blocks_for_tokens(17), 2);
}

TEST(BlockManager, AllocateAppendFreeConserveBlocks) {
  BlockManager b(10, 16, 0.0);
  EXPECT_EQ(b.allocate(1, 40), 3);
  EXPECT_EQ(b.append(1, 48), 0);  // still inside the third block
  EXPECT_EQ(b.append(1, 49), 1);
  EXPECT_EQ(b.allocate(2, 16), 1);
  EXPECT_EQ(b.used_blocks(), 5);
  EXPECT_EQ(b.free_blocks(), 5);
  EXPECT_EQ(b.blocks_of(1), 4);
  EXPECT_EQ(b.free(1), 4);
  EXPECT_EQ(b.free(2), 1);
  EXPECT_EQ(b.used_blocks(), 0);
  EXPECT_EQ(b.peak_used_blocks(), 5);
  EXPECT_EQ(b.allocated_blocks(), 5);
  EXPECT_EQ(b.freed_blocks(), 5);
}

TEST(BlockManager, WatermarkHoldsBackAdmissionsButNotGrowth) {
  BlockManager b(10, 16, 0.2);  // 2 blocks reserved
  EXPECT_EQ(b.watermark_blocks(), 2);
  EXPECT_TRUE(b.can_allocate(8 * 16));
  EXPECT_FALSE(b.can_allocate(8 * 16 + 1));
  b.allocate(1, 8 * 16);
  EXPECT_FALSE(b.can_allocate(1));
  EXPECT_TRUE(b.can_append(1, 10 * 16));  // growth may use the reserve
  EXPECT_FALSE(b.can_append(1, 10 * 16 + 1));
  b.append(1, 10 * 16);
  EXPECT_EQ(b.free_blocks(), 0);
}

TEST(BlockManager, EverFitsIsAloneAboveTheWatermark) {
  const BlockManager b(10, 16, 0.2);
  EXPECT_TRUE(b.ever_fits(8 * 16));
  EXPECT_FALSE(b.ever_fits(8 * 16 + 1));
}

TEST(BlockManager, SwapMovesBlocksToTheHostAndBack) {
  BlockManager b(10, 16, 0.0, 4);
  b.allocate(1, 3 * 16);
  b.allocate(2, 5 * 16);
  EXPECT_TRUE(b.can_swap_out(1));
  EXPECT_FALSE(b.can_swap_out(2));  // 5 blocks, host holds 4
  EXPECT_EQ(b.swap_out(1), 3);
  EXPECT_EQ(b.blocks_of(1), 0);
  EXPECT_EQ(b.host_blocks_of(1), 3);
  EXPECT_EQ(b.used_blocks(), 5);
  EXPECT_EQ(b.host_used_blocks(), 3);
  // Back in with room to grow by one token into a fourth block.
  EXPECT_TRUE(b.can_swap_in(1, 3 * 16 + 1));
  b.allocate(3, 2 * 16);
  EXPECT_FALSE(b.can_swap_in(1, 3 * 16 + 1));  // needs 4, 3 free
  EXPECT_TRUE(b.can_swap_in(1, 3 * 16));
  EXPECT_EQ(b.swap_in(1), 3);
  EXPECT_EQ(b.host_used_blocks(), 0);
  b.free(1);
  b.free(2);
  b.free(3);
  EXPECT_EQ(b.allocated_blocks(), b.freed_blocks());
  EXPECT_EQ(b.host_allocated_blocks(), b.host_freed_blocks());
}

TEST(BlockManager, MisuseIsALogicErrorAndBadSizesAreInputErrors) {
  BlockManager b(4, 16, 0.0);
  b.allocate(1, 16);
  EXPECT_THROW(b.allocate(1, 16), std::logic_error);
  EXPECT_THROW(b.append(2, 16), std::logic_error);
  EXPECT_THROW(b.allocate(3, 5 * 16), std::logic_error);
  EXPECT_THROW(b.swap_in(1), std::logic_error);
  EXPECT_THROW(BlockManager(0, 16, 0.0), core::InputError);
  EXPECT_THROW(BlockManager(4, 0, 0.0), core::InputError);
  EXPECT_THROW(BlockManager(4, 16, 1.0), core::InputError);
}

TEST(BlockManager, RequestsAndCacheEntriesAreKeptApartByTheirIds) {
  // Requests are slots (0, 1, ...), prefix-cache entries negative ids (-1, -2, ...).
  BlockManager b(100, 16, 0.0);
  EXPECT_EQ(b.allocate(-1, 32), 2);
  EXPECT_EQ(b.allocate(0, 16), 1);
  EXPECT_EQ(b.allocate(1, 0), 0);  // holds no block, but holds its place
  EXPECT_THROW(b.allocate(1, 16), std::logic_error);
  EXPECT_THROW(b.allocate(-1, 16), std::logic_error);
  EXPECT_EQ(b.blocks_of(-1), 2);
  EXPECT_EQ(b.blocks_of(-2), 0);
  EXPECT_EQ(b.blocks_of(0), 1);
  EXPECT_EQ(b.append(1, 17), 2);
  EXPECT_EQ(b.free(-1), 2);
  EXPECT_EQ(b.blocks_of(-1), 0);
  EXPECT_EQ(b.free(-1), 0);  // nothing left to give back
  EXPECT_THROW(b.append(-1, 16), std::logic_error);
  EXPECT_EQ(b.free(0) + b.free(1), 3);
  EXPECT_EQ(b.used_blocks(), 0);
  EXPECT_EQ(b.allocated_blocks(), b.freed_blocks());
}

}  // namespace
}  // namespace lcperf::schedulers::serving
