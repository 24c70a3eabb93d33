#pragma once
// Weighted max-min fair sharing of resources between flows, the bandwidth-sharing model
// of the native engine (the one SimGrid's CM02 network and CPU models solve):
//
//   every constraint c (a link direction, a host's speed) has a capacity C_c; every
//   variable v (a transfer, an execution) has a penalty p_v > 0 and an optional bound
//   B_v, and uses a set of constraints. The rates r_v are the max-min fair allocation
//   of the weighted rates r_v * p_v: repeatedly, the constraint with the smallest fair
//   level  L_c = (C_c - fixed use) / sum over its open variables of 1 / p_v  saturates,
//   each of its open variables gets r_v = L_c / p_v (or B_v first, when B_v * p_v is
//   below the level), and the rest goes on. A variable with penalty 0 is inactive: it
//   gets rate 0 and takes nothing (a transfer still paying its latency).
//
// Incremental: solve() recomputes only the connected components (variables linked
// through shared constraints) touched since the last solve, and reports the variables
// whose rate changed.
#include <cstdint>
#include <span>
#include <vector>

namespace lcperf::sim {

class FlowSolver {
 public:
  int add_constraint(double capacity);
  // `bound` <= 0: no bound. Ids of removed variables are reused.
  int add_variable(double penalty, double bound, std::span<const int> constraints);
  void set_penalty(int variable, double penalty);
  void remove_variable(int variable);
  // Re-solves the touched components; appends to `changed` every live variable whose
  // rate differs from before the call (newly added ones included).
  void solve(std::vector<int>& changed);
  double rate(int variable) const;
  std::size_t live_variables() const;
};

}  // namespace lcperf::sim
