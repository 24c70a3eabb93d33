// ChunkFlow chunk construction: token conservation, every sequence placed exactly once
// (whole, or as all N of its dependent chunks), fewest bins on hand examples, the
// dependent-chunk bookkeeping, attention shapes, and grouping into units.
#include "schedulers/training/chunk_construction.hpp"

#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <random>

#include "chunkflow_test_support.hpp"
#include "core/errors.hpp"
#include "schedulers/training/bin_packing.hpp"
#include "schedulers/training/chunk_unit.hpp"

namespace lcperf::schedulers::training {
namespace {

using Kind = Chunk::Kind;

std::vector<Sequence> seqs(const std::vector<std::int64_t>& lengths) {
  std::vector<Sequence> out;
  for (std::size_t i = 0; i < lengths.size(); ++i) out.push_back({static_cast<int>(i), lengths[i]});
  return out;
}

TEST(BinPacking, FewestBinsOnHandExamples) {
  // Lower bound ceil(21/7) = 3 is reached: {6,1} {5,2} {4,3}.
  EXPECT_EQ(fewest_bins({6, 5, 4, 3, 2, 1}, 7), (Bins{{0, 5}, {1, 4}, {2, 3}}));
  // Four 4s in bins of 8: the lower bound 2 is reached.
  EXPECT_EQ(fewest_bins({4, 4, 4, 4}, 8), (Bins{{0, 1}, {2, 3}}));
  // Everything fits in one bin: listed in input order.
  EXPECT_EQ(fewest_bins({1, 3, 2}, 8), (Bins{{0, 1, 2}}));
  // The lower bound 2 cannot be reached (three items of 3 in bins of 5): 3 bins.
  EXPECT_EQ(fewest_bins({3, 3, 3}, 5).size(), 3u);
  EXPECT_TRUE(fewest_bins({}, 5).empty());
}

TEST(BinPacking, FirstFitDecreasingIsAHeuristic) {
  // Capacity 11, items 7 5 3 3 2 2: {7,2,2} {5,3,3} is optimal (2 bins), but FFD fills
  // bin 0 with 7+3 and bin 1 with 5+3+2, and the last 2 fits in neither. The search
  // from the lower bound 2 therefore ends at 3 bins.
  const Bins bins = fewest_bins({7, 5, 3, 3, 2, 2}, 11);
  EXPECT_EQ(bins, (Bins{{0, 2}, {1, 3, 4}, {5}}));
  EXPECT_FALSE(first_fit_decreasing({7, 5, 3, 3, 2, 2}, 11, 2).has_value());
}

TEST(BinPacking, TieBreakIsByIndex) {
  // Equal sizes: the lower index is placed first, so it lands in the earlier bin.
  EXPECT_EQ(fewest_bins({2, 3, 3, 2}, 5), (Bins{{0, 1}, {2, 3}}));
  EXPECT_THROW(fewest_bins({6}, 5), core::InputError);
  EXPECT_THROW(fewest_bins({0}, 5), core::InputError);
  EXPECT_THROW(fewest_bins({1}, 0), core::InputError);
}

TEST(ChunkConstruction, LongSequenceBecomesDependentChunks) {
  const auto chunks = construct_chunks({{7, 10}}, 4);
  ASSERT_EQ(chunks.size(), 3u);
  const std::int64_t expect_tokens[] = {4, 4, 2};
  for (int i = 0; i < 3; ++i) {
    const Chunk& c = chunks[static_cast<std::size_t>(i)];
    EXPECT_EQ(c.kind, Kind::dependent);
    EXPECT_EQ(c.id, i);
    EXPECT_EQ(c.seq_id, 7);
    EXPECT_EQ(c.index, i);
    EXPECT_EQ(c.count, 3);
    EXPECT_EQ(c.tokens(), expect_tokens[i]);
    EXPECT_EQ(c.kv_prefix(), 4 * i);
    EXPECT_EQ(c.seq_ids, std::vector<int>{7});
  }
}

TEST(ChunkConstruction, ExactlyChunkSizeIsShort) {
  const auto chunks = construct_chunks({{0, 4}, {1, 5}}, 4);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].kind, Kind::standalone);
  EXPECT_EQ(chunks[0].seq_ids, std::vector<int>{0});
  EXPECT_EQ(chunks[1].kind, Kind::dependent);
  EXPECT_EQ(chunks[2].tokens(), 1);
}

TEST(ChunkConstruction, FigureFourShape) {
  // The paper's Figure 4 layout: 16 sequences, sequence 6 long (4 dependent chunks), the
  // other 15 packed into 3 standalone chunks. With C = 250: five of 100 and ten of 25
  // tokens (750 in all) fill exactly 3 chunks; 1000 tokens make 4 dependent chunks.
  std::vector<std::int64_t> lengths;
  for (int i = 0; i < 16; ++i) lengths.push_back(i == 6 ? 1000 : i < 5 ? 100 : 25);
  const auto chunks = construct_chunks(seqs(lengths), 250);
  ASSERT_EQ(chunks.size(), 7u);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].id, static_cast<int>(i));
    EXPECT_EQ(chunks[i].tokens(), 250);
    EXPECT_EQ(chunks[i].kind, i < 3 ? Kind::standalone : Kind::dependent);
  }
  EXPECT_EQ(chunks[3].seq_id, 6);
  EXPECT_EQ(chunks[6].index, 3);
}

TEST(ChunkConstruction, ConservesTokensAndPlacesEverySequenceOnce) {
  std::mt19937 rng(20250302);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = test::draw(rng, 0, 20);
    const std::int64_t chunk_size = test::draw(rng, 1, 64);
    std::vector<Sequence> batch;
    std::map<int, std::int64_t> length_of;
    for (int i = 0; i < n; ++i) {
      const Sequence s{100 + 3 * i, test::draw(rng, 1, 200)};
      batch.push_back(s);
      length_of[s.id] = s.length;
    }
    const auto chunks = construct_chunks(batch, chunk_size);
    std::int64_t total = 0;
    std::int64_t lower_bound_short = 0;
    int standalone = 0;
    std::map<int, int> whole;                      // seq id -> times placed whole
    std::map<int, std::vector<int>> parts;         // seq id -> dependent indices seen
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      const Chunk& c = chunks[i];
      EXPECT_EQ(c.id, static_cast<int>(i));
      EXPECT_LE(c.tokens(), chunk_size);
      EXPECT_GE(c.tokens(), 1);
      total += c.tokens();
      ASSERT_EQ(c.seq_lens.size(), c.seq_ids.size());
      if (c.kind == Kind::standalone) {
        ++standalone;
        for (std::size_t j = 0; j < c.seq_ids.size(); ++j) {
          ++whole[c.seq_ids[j]];
          EXPECT_EQ(c.seq_lens[j], length_of.at(c.seq_ids[j]));
          EXPECT_LE(c.seq_lens[j], chunk_size);
          lower_bound_short += c.seq_lens[j];
        }
      } else {
        parts[c.seq_id].push_back(c.index);
        const std::int64_t len = length_of.at(c.seq_id);
        EXPECT_GT(len, chunk_size);
        EXPECT_EQ(c.count, static_cast<int>((len + chunk_size - 1) / chunk_size));
        EXPECT_EQ(c.tokens(), std::min(chunk_size, len - c.kv_prefix()));
      }
    }
    std::int64_t expect_total = 0;
    for (const Sequence& s : batch) expect_total += s.length;
    EXPECT_EQ(total, expect_total);
    for (const Sequence& s : batch) {
      const bool is_long = s.length > chunk_size;
      EXPECT_EQ(whole.count(s.id) ? whole.at(s.id) : 0, is_long ? 0 : 1) << "seq " << s.id;
      if (is_long) {
        std::vector<int> expect(static_cast<std::size_t>((s.length + chunk_size - 1) / chunk_size));
        std::iota(expect.begin(), expect.end(), 0);
        EXPECT_EQ(parts.at(s.id), expect);
      }
    }
    EXPECT_GE(standalone, (lower_bound_short + chunk_size - 1) / chunk_size);
    EXPECT_EQ(construct_chunks(batch, chunk_size), chunks) << "deterministic";
  }
}

TEST(ChunkConstruction, AttentionSeqsCarryTheKvPrefix) {
  const auto chunks = construct_chunks({{0, 3}, {1, 2}, {2, 9}}, 4);
  ASSERT_EQ(chunks.size(), 5u);  // {3} {2} (3+2 > 4: two bins), then 4+4+1
  EXPECT_EQ(attention_seqs(chunks[0]), (std::vector<core::AttentionSeq>{{3, 3}}));
  EXPECT_EQ(attention_seqs(chunks[2]), (std::vector<core::AttentionSeq>{{4, 4}}));
  EXPECT_EQ(attention_seqs(chunks[3]), (std::vector<core::AttentionSeq>{{4, 8}}));
  const Chunk& last = chunks[4];
  EXPECT_EQ(attention_seqs(last), (std::vector<core::AttentionSeq>{{1, 9}}));
  const auto packed = construct_chunks({{0, 1}, {1, 2}}, 4);
  ASSERT_EQ(packed.size(), 1u);
  EXPECT_EQ(attention_seqs(packed[0]), (std::vector<core::AttentionSeq>{{1, 1}, {2, 2}}));
  EXPECT_EQ(micro_batch_shape(packed[0]).seq_lens, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(micro_batch_shape(last).tokens(), 1);
}

TEST(ChunkConstruction, RejectsBadInput) {
  EXPECT_THROW(construct_chunks({{0, 5}}, 0), core::InputError);
  EXPECT_THROW(construct_chunks({{0, 0}}, 4), core::InputError);
  EXPECT_THROW(construct_chunks({{0, 1}, {0, 2}}, 4), core::InputError);
  EXPECT_TRUE(construct_chunks({}, 4).empty());
}

TEST(ChunkUnits, GroupDependentChunksOfOneSequence) {
  const auto chunks = construct_chunks({{0, 1}, {1, 9}, {2, 4}, {3, 5}}, 4);
  // standalone {4} {1}, then seq 1: 3 chunks, seq 3: 2 chunks.
  const auto units = group_into_units(chunks);
  ASSERT_EQ(units.size(), 4u);
  EXPECT_FALSE(units[0].is_group());
  EXPECT_FALSE(units[1].is_group());
  EXPECT_TRUE(units[2].is_group());
  EXPECT_EQ(units[2].chunks.size(), 3u);
  EXPECT_EQ(units[2].tokens(), 9);
  EXPECT_EQ(units[3].chunks.size(), 2u);
  // Interleaved and shuffled dependent chunks still group, in index order.
  std::vector<Chunk> shuffled = {chunks[5], chunks[3], chunks[0], chunks[6], chunks[2], chunks[4]};
  const auto regrouped = group_into_units(shuffled);
  ASSERT_EQ(regrouped.size(), 3u);  // in order of each unit's first chunk: seq 3, seq 1, standalone
  EXPECT_EQ(regrouped[0].chunks, (std::vector<Chunk>{chunks[5], chunks[6]}));
  EXPECT_EQ(regrouped[1].chunks, (std::vector<Chunk>{chunks[2], chunks[3], chunks[4]}));
  EXPECT_EQ(regrouped[2].chunks, (std::vector<Chunk>{chunks[0]}));
  // A missing chunk is an input error.
  EXPECT_THROW(group_into_units({chunks[2], chunks[4]}), core::InputError);
}

}  // namespace
}  // namespace lcperf::schedulers::training
