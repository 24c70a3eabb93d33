#include "sim/flow_solver.hpp"

#include <algorithm>
#include <cmath>

namespace lcperf::sim {
namespace {

// SimGrid's maxmin/precision default: below this a remaining share (relative to the
// capacity) or an open weight sum counts as zero, and bound levels this close are equal.
constexpr double kPrecision = 1e-5;

}  // namespace

int FlowSolver::add_constraint(double capacity) {
  Constraint c;
  c.capacity = capacity;
  constraints_.push_back(std::move(c));
  return static_cast<int>(constraints_.size()) - 1;
}

int FlowSolver::add_variable(double penalty, double bound, std::span<const int> constraints) {
  int id;
  if (free_ids_.empty()) {
    id = static_cast<int>(variables_.size());
    variables_.emplace_back();
  } else {
    id = free_ids_.back();
    free_ids_.pop_back();
  }
  Variable& v = variables_[static_cast<std::size_t>(id)];
  v.set_penalty(penalty);
  v.bound = bound > 0 ? bound : -1.0;
  v.rate = 0;
  v.next_rate = 0;
  v.live = true;
  v.uses.clear();
  for (const int c : constraints) {
    std::vector<User>& users = constraints_[static_cast<std::size_t>(c)].users;
    v.uses.push_back(Use{c, static_cast<int>(users.size())});
    users.push_back(User{id, static_cast<int>(v.uses.size()) - 1});
  }
  ++live_;
  touch(id);
  return id;
}

void FlowSolver::set_penalty(int variable, double penalty) {
  Variable& v = variables_[static_cast<std::size_t>(variable)];
  if (v.penalty == penalty) return;
  v.set_penalty(penalty);
  touch(variable);
}

void FlowSolver::remove_variable(int variable) {
  touch(variable);  // its component gets the capacity it frees
  Variable& v = variables_[static_cast<std::size_t>(variable)];
  for (const Use& use : v.uses) {
    std::vector<User>& users = constraints_[static_cast<std::size_t>(use.constraint)].users;
    const User moved = users.back();
    users[static_cast<std::size_t>(use.position)] = moved;
    variables_[static_cast<std::size_t>(moved.variable)].uses[static_cast<std::size_t>(moved.slot)].position =
        use.position;
    users.pop_back();
  }
  v.uses.clear();
  v.live = false;
  v.rate = 0;
  --live_;
  free_ids_.push_back(variable);
}

double FlowSolver::rate(int variable) const { return variables_[static_cast<std::size_t>(variable)].rate; }

std::size_t FlowSolver::live_variables() const { return live_; }

void FlowSolver::touch(int variable) {
  const Variable& v = variables_[static_cast<std::size_t>(variable)];
  if (v.uses.empty()) {
    dirty_loners_.push_back(variable);
    return;
  }
  for (const Use& use : v.uses) dirty_constraints_.push_back(use.constraint);
}

void FlowSolver::solve(std::vector<int>& changed) {
  const std::uint64_t solve_stamp = ++stamp_;
  solve_stamp_ = solve_stamp;
  for (const int seed : dirty_constraints_) {
    Constraint& c = constraints_[static_cast<std::size_t>(seed)];
    if (c.seen == solve_stamp) continue;
    // A constraint its last user left is a component with nothing to share (when a
    // transfer ends, each link of its route but the shared ones).
    if (c.users.empty()) {
      c.seen = solve_stamp;
      continue;
    }
    collect_component(seed);
    solve_component();
    ++component_solves_;
    for (const int id : comp_variables_) {
      Variable& v = variables_[static_cast<std::size_t>(id)];
      if (v.next_rate != v.rate) {
        v.rate = v.next_rate;
        changed.push_back(id);
      }
    }
  }
  for (const int id : dirty_loners_) {
    Variable& v = variables_[static_cast<std::size_t>(id)];
    // A removed loner, or a reused id that now uses constraints, was handled above.
    if (!v.live || !v.uses.empty() || v.seen == solve_stamp) continue;
    v.seen = solve_stamp;
    const double next = v.penalty > 0 ? (v.bound > 0 ? v.bound : kUnconstrainedRate) : 0.0;
    if (next != v.rate) {
      v.rate = next;
      changed.push_back(id);
    }
  }
  dirty_constraints_.clear();
  dirty_loners_.clear();
}

// Breadth-first over constraints and their users, marking both with the current solve's
// stamp so that no mark ever needs clearing. The mark is the solve's stamp, not the
// latest one (solve_component advances stamp_): solve() skips a dirty constraint already
// marked, so each touched component is solved once per solve().
// The same pass sets up the progressive filling (each constraint's open weight sum and
// level, in the order its users are listed, as a separate pass over the users would),
// so every user is visited once.
void FlowSolver::collect_component(int seed_constraint) {
  const std::uint64_t stamp = solve_stamp_;
  comp_constraints_.clear();
  comp_variables_.clear();
  light_.clear();
  comp_constraints_.push_back(seed_constraint);
  constraints_[static_cast<std::size_t>(seed_constraint)].seen = stamp;
  for (std::size_t i = 0; i < comp_constraints_.size(); ++i) {
    const int id = comp_constraints_[i];
    Constraint& c = constraints_[static_cast<std::size_t>(id)];
    double usage = 0;
    for (const User& user : c.users) {
      Variable& v = variables_[static_cast<std::size_t>(user.variable)];
      if (v.penalty > 0) usage += v.weight;
      if (v.seen == stamp) continue;
      v.seen = stamp;
      v.next_rate = 0;
      comp_variables_.push_back(user.variable);
      for (const Use& use : v.uses) {
        Constraint& next = constraints_[static_cast<std::size_t>(use.constraint)];
        if (next.seen == stamp) continue;
        next.seen = stamp;
        comp_constraints_.push_back(use.constraint);
      }
    }
    c.remaining = c.capacity;
    c.usage = 0;
    c.light = -1;
    if (!(c.remaining > c.capacity * kPrecision)) continue;
    c.usage = usage;
    if (c.usage > 0) {
      c.light = static_cast<int>(light_.size());
      light_.push_back(Light{id, c.remaining / c.usage});
    }
  }
}

// SimGrid's lmm progressive filling on one component (set up by collect_component): the
// constraints still sharing ("light") carry their level remaining / usage; each round
// fixes the open variables of the lowest-level constraints, or first those whose bound is
// below that level.
void FlowSolver::solve_component() {
  if (comp_variables_.size() == 1) {
    solve_single(comp_variables_.front());
    return;
  }
  const std::uint64_t component = ++stamp_;

  while (!light_.empty()) {
    double min_level = -1;
    saturated_constraints_.clear();
    for (const Light& l : light_) {
      if (min_level < 0 || l.level < min_level) {
        min_level = l.level;
        saturated_constraints_.clear();
        saturated_constraints_.push_back(l.constraint);
      } else if (l.level == min_level) {
        saturated_constraints_.push_back(l.constraint);
      }
    }

    const std::uint64_t round = ++stamp_;
    saturated_variables_.clear();
    double min_bound = -1;
    for (const int cid : saturated_constraints_) {
      for (const User& user : constraints_[static_cast<std::size_t>(cid)].users) {
        Variable& v = variables_[static_cast<std::size_t>(user.variable)];
        if (!(v.penalty > 0) || v.fixed == component || v.saturated == round) continue;
        v.saturated = round;
        saturated_variables_.push_back(user.variable);
        const double bound_level = v.bound * v.penalty;
        if (v.bound > 0 && bound_level < min_level)
          min_bound = min_bound < 0 ? bound_level : std::min(min_bound, bound_level);
      }
    }
    if (saturated_variables_.empty()) {
      // Only rounding left these constraints a weight without an open variable.
      for (const int cid : saturated_constraints_) drop_light(constraints_[static_cast<std::size_t>(cid)]);
      continue;
    }
    for (const int id : saturated_variables_) {
      Variable& v = variables_[static_cast<std::size_t>(id)];
      if (min_bound < 0) {
        fix(id, min_level / v.penalty, component);
      } else if (std::fabs(min_bound - v.bound * v.penalty) < kPrecision) {
        fix(id, v.bound, component);
      }
      // Otherwise the variable waits for a later round: the bounded ones go first.
    }
  }
}

// The general path on a component of one variable, without its bookkeeping (the most
// common case: a transfer alone on its route, a kernel alone on its GPU). Same
// operations in the same order, so the same bits: each sharing constraint's level is
// C / (1 / p), and the lowest one (or the bound) fixes the variable.
void FlowSolver::solve_single(int variable) {
  Variable& v = variables_[static_cast<std::size_t>(variable)];
  v.next_rate = 0;
  if (!(v.penalty > 0)) return;
  double min_level = -1;
  for (const Use& use : v.uses) {
    const double capacity = constraints_[static_cast<std::size_t>(use.constraint)].capacity;
    if (!(capacity > capacity * kPrecision)) continue;
    const double level = capacity / v.weight;
    if (min_level < 0 || level < min_level) min_level = level;
  }
  if (min_level < 0) return;
  v.next_rate = (v.bound > 0 && v.bound * v.penalty < min_level) ? v.bound : min_level / v.penalty;
}

void FlowSolver::fix(int variable, double value, std::uint64_t component) {
  Variable& v = variables_[static_cast<std::size_t>(variable)];
  v.next_rate = value;
  v.fixed = component;
  const double weight = v.weight;
  for (const Use& use : v.uses) {
    Constraint& c = constraints_[static_cast<std::size_t>(use.constraint)];
    const double tiny = c.capacity * kPrecision;
    c.remaining -= value;
    if (c.remaining < tiny) c.remaining = 0;
    c.usage -= weight;
    if (c.usage < kPrecision) c.usage = 0;
    if (!(c.usage > kPrecision) || !(c.remaining > tiny)) {
      drop_light(c);
    } else if (c.light >= 0) {
      light_[static_cast<std::size_t>(c.light)].level = c.remaining / c.usage;
    }
  }
}

void FlowSolver::drop_light(Constraint& c) {
  if (c.light < 0) return;
  const Light last = light_.back();
  light_[static_cast<std::size_t>(c.light)] = last;
  constraints_[static_cast<std::size_t>(last.constraint)].light = c.light;
  light_.pop_back();
  c.light = -1;
}

}  // namespace lcperf::sim
