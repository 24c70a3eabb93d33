// The process grid: rank <-> coordinate mapping and group membership (tp fastest).
#include "core/parallel_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

namespace lcperf::core {
namespace {

ParallelConfig grid() {
  ParallelConfig c;
  c.tp = 2;
  c.cp = 2;
  c.dp = 3;
  c.pp = 2;
  return c;
}

TEST(ParallelGrid, CoordAndRankRoundTrip) {
  const ParallelConfig c = grid();
  std::set<std::vector<int>> seen;
  for (int rank = 0; rank < c.world_size(); ++rank) {
    const RankCoord x = coord_of(c, rank);
    EXPECT_EQ(rank_of(c, x), rank);
    EXPECT_LT(x.tp, c.tp);
    EXPECT_LT(x.cp, c.cp);
    EXPECT_LT(x.dp, c.dp);
    EXPECT_LT(x.pp, c.pp);
    seen.insert({x.tp, x.cp, x.dp, x.pp});
  }
  EXPECT_EQ(static_cast<int>(seen.size()), c.world_size());  // a bijection
}

TEST(ParallelGrid, TpIsFastestThenCpDpPp) {
  const ParallelConfig c = grid();
  EXPECT_EQ(tp_group(c, 0), (std::vector<int>{0, 1}));
  EXPECT_EQ(tp_group(c, 5), (std::vector<int>{4, 5}));
  EXPECT_EQ(cp_group(c, 0), (std::vector<int>{0, 2}));
  EXPECT_EQ(dp_group(c, 1), (std::vector<int>{1, 5, 9}));
  EXPECT_EQ(pp_group(c, 3), (std::vector<int>{3, 15}));
  const RankCoord last = coord_of(c, c.world_size() - 1);
  EXPECT_EQ(last.tp, 1);
  EXPECT_EQ(last.pp, 1);
}

// Along each dimension the groups partition the ranks: every rank is in exactly one
// group of the right size, and every member of a rank's group shares that group.
TEST(ParallelGrid, GroupsPartitionTheRanks) {
  const ParallelConfig c = grid();
  using GroupFn = std::vector<int> (*)(const ParallelConfig&, int);
  const std::vector<std::pair<GroupFn, int>> dims = {
      {tp_group, c.tp}, {cp_group, c.cp}, {dp_group, c.dp}, {pp_group, c.pp}};
  for (const auto& [group_of, size] : dims) {
    std::set<std::vector<int>> groups;
    for (int rank = 0; rank < c.world_size(); ++rank) {
      const std::vector<int> group = group_of(c, rank);
      EXPECT_EQ(static_cast<int>(group.size()), size);
      EXPECT_NE(std::find(group.begin(), group.end(), rank), group.end());
      EXPECT_TRUE(std::is_sorted(group.begin(), group.end()));
      for (int member : group) EXPECT_EQ(group_of(c, member), group);
      groups.insert(group);
    }
    EXPECT_EQ(static_cast<int>(groups.size()) * size, c.world_size());
  }
}

}  // namespace
}  // namespace lcperf::core
