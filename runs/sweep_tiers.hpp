#pragma once
// Which surviving configurations of a sweep the simulator runs, given every survivor's
// analytic estimate of the objective (sweeps/README.md, "Two tiers"), and how far the
// estimates were from the simulations. Pure functions of their inputs, so every rank of
// a distributed sweep picks the same configurations.
#include <cstddef>
#include <string>
#include <vector>

#include "runs/sweep_spec.hpp"

namespace lcperf::runs {

struct TierCandidate {
  std::string key;        // the configuration's key (ties are broken by it)
  double estimate = 0;    // the objective's estimated value
  bool simulated = false; // already in results.jsonl from an earlier run
};

// Positions into `candidates`, best estimate first (ties by key).
std::vector<std::size_t> estimate_order(const std::vector<TierCandidate>& candidates, const SweepObjective& objective);

// The first round: every candidate not yet simulated with `all`; otherwise the `top`
// best by estimate and `sample` more of the rest, evenly spaced over its estimate
// order (the j-th of s at position floor((j + 1/2) * rest / s)), so the sample spans the
// whole range. Already simulated candidates count toward neither and are not returned.
std::vector<std::size_t> first_simulation_round(const std::vector<TierCandidate>& candidates,
                                                const SweepObjective& objective, const SimulateSelection& selection);

// A further round: candidates not yet simulated whose estimate beats `best_simulated`
// (the best simulated value), best first, at most `limit`. Empty once the best
// configuration of the ranking is a simulated one.
std::vector<std::size_t> refinement_round(const std::vector<TierCandidate>& candidates,
                                          const SweepObjective& objective, double best_simulated, std::size_t limit);

// |estimate - simulated| / |simulated| over the simulated configurations.
struct EstimateAgreement {
  std::size_t compared = 0;
  double median_relative_error = 0;
  double worst_relative_error = 0;
  std::string worst_key;
};
struct EstimatePair {
  std::string key;
  double estimate = 0;
  double simulated = 0;
};
EstimateAgreement estimate_agreement(const std::vector<EstimatePair>& pairs);

}  // namespace lcperf::runs
