// The Megatron baseline's data path: FFD packing into max_seq_len micro-batches and the
// contiguous split of a global batch across data-parallel ranks.
#include "schedulers/training/sequence_packing.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "chunkflow_test_support.hpp"
#include "core/errors.hpp"

namespace lcperf::schedulers::training {
namespace {

TEST(SequencePacking, FirstFitDecreasingByHand) {
  // max 10: 7 opens mb 0, 6 opens mb 1, 3 joins mb 0 (7+3), 3 joins mb 1 (6+3), 2 opens
  // mb 2, 1 joins mb 1 (6+3+1). Each micro-batch lists its sequences in input order.
  const auto mbs = pack_sequences({{10, 3}, {11, 7}, {12, 2}, {13, 6}, {14, 3}, {15, 1}}, 10);
  ASSERT_EQ(mbs.size(), 3u);
  EXPECT_EQ(mbs[0].seq_ids, (std::vector<int>{10, 11}));
  EXPECT_EQ(mbs[0].shape.seq_lens, (std::vector<std::int64_t>{3, 7}));
  EXPECT_EQ(mbs[1].seq_ids, (std::vector<int>{13, 14, 15}));
  EXPECT_EQ(mbs[1].shape.tokens(), 10);
  EXPECT_EQ(mbs[2].seq_ids, (std::vector<int>{12}));
  EXPECT_TRUE(pack_sequences({}, 10).empty());
}

TEST(SequencePacking, ConservesSequencesAndRespectsTheLimit) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 100; ++trial) {
    const std::int64_t max_len = test::draw(rng, 1, 100);
    std::vector<Sequence> batch;
    for (int i = 0, n = test::draw(rng, 0, 30); i < n; ++i) {
      batch.push_back({i, test::draw(rng, 1, static_cast<int>(max_len))});
    }
    const auto mbs = pack_sequences(batch, max_len);
    std::vector<int> ids;
    std::int64_t total = 0;
    for (const auto& mb : mbs) {
      EXPECT_LE(mb.shape.tokens(), max_len);
      EXPECT_FALSE(mb.seq_ids.empty());
      ids.insert(ids.end(), mb.seq_ids.begin(), mb.seq_ids.end());
      total += mb.shape.tokens();
    }
    std::sort(ids.begin(), ids.end());
    std::vector<int> expect(batch.size());
    std::iota(expect.begin(), expect.end(), 0);
    EXPECT_EQ(ids, expect);
    std::int64_t expect_total = 0;
    for (const Sequence& s : batch) expect_total += s.length;
    EXPECT_EQ(total, expect_total);
    EXPECT_GE(static_cast<std::int64_t>(mbs.size()), (expect_total + max_len - 1) / max_len);
  }
}

TEST(SequencePacking, TooLongSequenceIsAnInputErrorNamingItsLength) {
  try {
    pack_sequences({{0, 100}, {5, 40001}}, 32768);
    FAIL() << "expected InputError";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("40001"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("32768"), std::string::npos) << e.what();
  }
  EXPECT_THROW(pack_sequences({{0, 1}}, 0), core::InputError);
  EXPECT_THROW(pack_sequences({{0, 0}}, 8), core::InputError);
}

TEST(SequencePacking, SplitAcrossDpIsContiguous) {
  std::vector<Sequence> batch;
  for (int i = 0; i < 12; ++i) batch.push_back({i, i + 1});
  const auto ranks = split_across_dp(batch, 3);
  ASSERT_EQ(ranks.size(), 3u);
  for (int r = 0; r < 3; ++r) {
    ASSERT_EQ(ranks[static_cast<std::size_t>(r)].size(), 4u);
    for (int j = 0; j < 4; ++j) EXPECT_EQ(ranks[static_cast<std::size_t>(r)][static_cast<std::size_t>(j)].id, 4 * r + j);
  }
  EXPECT_EQ(split_across_dp(batch, 1).front().size(), 12u);
  EXPECT_THROW(split_across_dp(batch, 5), core::InputError);
  EXPECT_THROW(split_across_dp(batch, 0), core::InputError);
}

}  // namespace
}  // namespace lcperf::schedulers::training
