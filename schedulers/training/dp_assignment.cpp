#include "schedulers/training/dp_assignment.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/errors.hpp"

namespace lcperf::schedulers::training {

double unit_cost(const ChunkUnit& unit, const ChunkCost& cost) {
  double total = 0.0;
  for (const Chunk& c : unit.chunks) {
    const double x = cost(c);
    if (!std::isfinite(x) || x < 0.0) {
      throw core::InputError("data-parallel assignment: chunk " + std::to_string(c.id) + " has cost " +
                             std::to_string(x) + " (must be finite and >= 0)");
    }
    total += x;
  }
  return total;
}

std::vector<DpRankShare> assign_units_lpt(const std::vector<ChunkUnit>& units, int dp, const ChunkCost& cost) {
  if (dp < 1) throw core::InputError("data-parallel assignment needs dp >= 1 (got " + std::to_string(dp) + ")");
  std::vector<double> costs;
  costs.reserve(units.size());
  for (const ChunkUnit& u : units) costs.push_back(unit_cost(u, cost));
  std::vector<std::size_t> order(units.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return costs[a] > costs[b]; });

  std::vector<DpRankShare> shares(static_cast<std::size_t>(dp));
  for (std::size_t u : order) {
    // min_element returns the first minimum: the lowest rank among equally loaded ones.
    auto least = std::min_element(shares.begin(), shares.end(),
                                  [](const DpRankShare& a, const DpRankShare& b) { return a.cost < b.cost; });
    least->unit_indices.push_back(u);
    least->cost += costs[u];
  }
  for (DpRankShare& share : shares) {
    std::sort(share.unit_indices.begin(), share.unit_indices.end());
    for (std::size_t u : share.unit_indices) share.units.push_back(units[u]);
  }
  return shares;
}

std::vector<DpRankShare> assign_units_by_tokens(const std::vector<ChunkUnit>& units, int dp) {
  return assign_units_lpt(units, dp, [](const Chunk& c) { return static_cast<double>(c.tokens()); });
}

std::vector<double> rank_costs(const std::vector<DpRankShare>& shares, const ChunkCost& cost) {
  std::vector<double> totals;
  for (const DpRankShare& share : shares) {
    double total = 0.0;
    for (const ChunkUnit& u : share.units) total += unit_cost(u, cost);
    totals.push_back(total);
  }
  return totals;
}

}  // namespace lcperf::schedulers::training
