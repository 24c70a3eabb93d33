#pragma once
// Data-parallel assignment of ChunkFlow units. The paper leaves this open; we balance an
// estimated cost with LPT (longest processing time first): units sorted by cost,
// largest first, each to the currently least-loaded rank. A long sequence's group is
// one unit and is pinned to one rank, because its K/V state store is local to the
// ranks that run it.
//
// LPT guarantees max load <= 4/3 OPT and, since each unit goes to the least-loaded
// rank, max load - min load <= the largest unit cost. Costs come from a callback so the
// caller can price the quadratic attention of late dependent chunks (equal tokens are
// not equal time); assign_units_by_tokens is the token-count balancer to compare with.
#include <cstddef>
#include <functional>
#include <vector>

#include "schedulers/training/chunk_unit.hpp"

namespace lcperf::schedulers::training {

using ChunkCost = std::function<double(const Chunk&)>;

struct DpRankShare {
  std::vector<std::size_t> unit_indices;  // into the input units, ascending (forward order)
  std::vector<ChunkUnit> units;           // the same units, in that order
  double cost = 0.0;                      // sum of the units' costs under the balancing cost
};

// Deterministic: ties in cost go to the lower unit index first, ties in load to the
// lower rank. Each rank keeps its units in input order. Throws core::InputError for
// dp < 1 or a chunk cost that is negative or not finite.
std::vector<DpRankShare> assign_units_lpt(const std::vector<ChunkUnit>& units, int dp, const ChunkCost& cost);

// LPT on token counts (cost = tokens).
std::vector<DpRankShare> assign_units_by_tokens(const std::vector<ChunkUnit>& units, int dp);

// Sum of the chunk costs of one unit / of each rank's units under another cost, e.g. the
// estimated time of a token-balanced assignment.
double unit_cost(const ChunkUnit& unit, const ChunkCost& cost);
std::vector<double> rank_costs(const std::vector<DpRankShare>& shares, const ChunkCost& cost);

}  // namespace lcperf::schedulers::training
