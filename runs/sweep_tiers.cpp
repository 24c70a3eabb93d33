#include "runs/sweep_tiers.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lcperf::runs {

namespace {

bool better(double a, double b, const SweepObjective& objective) { return objective.maximize ? a > b : a < b; }

}  // namespace

std::vector<std::size_t> estimate_order(const std::vector<TierCandidate>& candidates, const SweepObjective& objective) {
  std::vector<std::size_t> order(candidates.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const TierCandidate& x = candidates[a];
    const TierCandidate& y = candidates[b];
    if (x.estimate != y.estimate) return better(x.estimate, y.estimate, objective);
    return x.key < y.key;
  });
  return order;
}

std::vector<std::size_t> first_simulation_round(const std::vector<TierCandidate>& candidates,
                                                const SweepObjective& objective, const SimulateSelection& selection) {
  std::vector<std::size_t> pending;
  for (std::size_t i : estimate_order(candidates, objective)) {
    if (!candidates[i].simulated) pending.push_back(i);
  }
  if (selection.all) return pending;
  const std::size_t top = std::min(pending.size(), static_cast<std::size_t>(selection.top));
  std::vector<std::size_t> chosen(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(top));
  const std::size_t rest = pending.size() - top;
  const std::size_t sample = std::min(rest, static_cast<std::size_t>(selection.sample));
  for (std::size_t j = 0; j < sample; ++j) {
    const auto at = static_cast<std::size_t>((static_cast<double>(j) + 0.5) * static_cast<double>(rest) /
                                             static_cast<double>(sample));
    chosen.push_back(pending[top + at]);
  }
  return chosen;
}

std::vector<std::size_t> refinement_round(const std::vector<TierCandidate>& candidates,
                                          const SweepObjective& objective, double best_simulated, std::size_t limit) {
  std::vector<std::size_t> chosen;
  for (std::size_t i : estimate_order(candidates, objective)) {
    if (chosen.size() >= limit || !better(candidates[i].estimate, best_simulated, objective)) break;
    if (!candidates[i].simulated) chosen.push_back(i);
  }
  return chosen;
}

EstimateAgreement estimate_agreement(const std::vector<EstimatePair>& pairs) {
  EstimateAgreement agreement;
  std::vector<double> errors;
  for (const EstimatePair& pair : pairs) {
    if (pair.simulated == 0) continue;
    const double error = std::abs(pair.estimate - pair.simulated) / std::abs(pair.simulated);
    if (errors.empty() || error > agreement.worst_relative_error) {
      agreement.worst_relative_error = error;
      agreement.worst_key = pair.key;
    }
    errors.push_back(error);
  }
  agreement.compared = errors.size();
  if (errors.empty()) return agreement;
  std::sort(errors.begin(), errors.end());
  const std::size_t n = errors.size();
  agreement.median_relative_error = n % 2 == 1 ? errors[n / 2] : 0.5 * (errors[n / 2 - 1] + errors[n / 2]);
  return agreement;
}

}  // namespace lcperf::runs
