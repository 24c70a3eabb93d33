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
//
// Exact contract (what the engine may rely on):
// - rate(v) is the value of the last solve(); a variable added since then reads 0.
// - A variable using no constraint gets its bound when it has one, else
//   kUnconstrainedRate (1e300: finite, so remaining / rate is ~0 and rate * dt stays
//   finite for any realistic dt); with penalty 0 it gets 0 like any inactive variable.
// - solve() appends each live variable whose rate after the call differs (!=) from its
//   rate before the call, at most once, in a deterministic order; a variable added
//   since the last solve counts as having had rate 0 (so it is reported iff its new rate
//   is nonzero). Variables removed since the last solve are never reported. Only
//   components holding a variable added, removed or re-penalized since the last solve
//   are recomputed; the others keep their rates bit for bit and are not reported.
// - SimGrid's lmm precision rules are kept (maxmin/precision = 1e-5): a constraint whose
//   remaining capacity drops below 1e-5 of its capacity, or whose open weight
//   sum 1 / p_v drops below 1e-5, leaves the sharing; a variable fixed at its bound is
//   any whose B_v * p_v is within 1e-5 of the smallest such value. Ties between levels
//   are exact (==) as in SimGrid.
// - Same sequence of calls, same results, bit for bit. No allocation per call once
//   the id ranges and per-variable constraint lists have reached their peak size.
// - A constraint id may appear at most once per variable; constraints live forever.
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
  // Components recomputed since construction (each touched one counts once per solve()).
  std::uint64_t component_solves() const { return component_solves_; }

  static constexpr double kUnconstrainedRate = 1e300;

 private:
  // One use of a constraint by a variable, seen from the variable: which constraint,
  // and where the variable sits in that constraint's user list (for O(1) removal).
  struct Use {
    int constraint;
    int position;
  };
  // One user of a constraint: which variable, and which entry of its Use list this is.
  struct User {
    int variable;
    int slot;
  };
  struct Constraint {
    double capacity = 0;
    std::vector<User> users;
    // Scratch of the solve in progress.
    double remaining = 0;
    double usage = 0;  // sum of 1 / p_v over the open active users
    int light = -1;    // index in light_, -1 when not sharing
    std::uint64_t seen = 0;
  };
  struct Variable {
    double penalty = 0;
    double weight = 0;  // 1 / penalty (0 when inactive), its share of a constraint's usage
    double bound = -1;  // -1: none (SimGrid's convention)
    double rate = 0;
    double next_rate = 0;
    std::vector<Use> uses;
    bool live = false;
    std::uint64_t seen = 0;   // stamp of the solve that queued it in its component
    std::uint64_t fixed = 0;  // stamp of the component solve that fixed it
    std::uint64_t saturated = 0;
    void set_penalty(double p) {
      penalty = p;
      weight = p > 0 ? 1.0 / p : 0.0;
    }
  };
  struct Light {
    int constraint;
    double level;
  };

  void touch(int variable);
  // Also sets up the progressive filling (remaining, usage, light_) of the component.
  void collect_component(int seed_constraint);
  void solve_component();
  void solve_single(int variable);
  void fix(int variable, double value, std::uint64_t component);
  void drop_light(Constraint& c);

  std::vector<Constraint> constraints_;
  std::vector<Variable> variables_;
  std::vector<int> free_ids_;
  std::size_t live_ = 0;
  std::uint64_t stamp_ = 0;
  std::uint64_t solve_stamp_ = 0;  // stamp_ at the start of the solve() in progress
  std::uint64_t component_solves_ = 0;
  // Touched since the last solve: constraints of changed variables (their components
  // need a new solve) and variables using no constraint (solved on their own).
  std::vector<int> dirty_constraints_;
  std::vector<int> dirty_loners_;
  // Scratch reused across solves.
  std::vector<int> comp_constraints_;
  std::vector<int> comp_variables_;
  std::vector<Light> light_;
  std::vector<int> saturated_constraints_;
  std::vector<int> saturated_variables_;
};

}  // namespace lcperf::sim
