// The native engine's max-min sharing against hand-computed allocations and against a
// plain from-scratch progressive filling written here (no incrementality, no shared code).
#include "sim/flow_solver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

namespace lcperf::sim {
namespace {

std::vector<int> solve(FlowSolver& s) {
  std::vector<int> changed;
  s.solve(changed);
  std::sort(changed.begin(), changed.end());
  return changed;
}

void expect_rel(double actual, double expected) {
  EXPECT_NEAR(actual, expected, 1e-12 * std::fabs(expected)) << "expected " << expected;
}

TEST(FlowSolver, OneFlowGetsTheWholeLink) {
  FlowSolver s;
  const int link = s.add_constraint(1e9);
  const int v = s.add_variable(1.0, 0, std::vector<int>{link});
  EXPECT_EQ(solve(s), std::vector<int>{v});
  expect_rel(s.rate(v), 1e9);
}

TEST(FlowSolver, EqualFlowsSplitTheLinkEvenly) {
  FlowSolver s;
  const int link = s.add_constraint(3e9);
  std::vector<int> vs;
  for (int i = 0; i < 7; ++i) vs.push_back(s.add_variable(1.0, 0, std::vector<int>{link}));
  EXPECT_EQ(solve(s).size(), 7u);
  for (const int v : vs) expect_rel(s.rate(v), 3e9 / 7);
}

TEST(FlowSolver, SeriesLinksGiveTheBottleneck) {
  FlowSolver s;
  const int a = s.add_constraint(10.0);
  const int b = s.add_constraint(4.0);
  const int c = s.add_constraint(7.0);
  const int v = s.add_variable(1.0, 0, std::vector<int>{a, b, c});
  solve(s);
  expect_rel(s.rate(v), 4.0);
}

// A crosses links 1 (cap 10) and 2 (cap 6); B uses link 1 only; C uses link 2 only.
// Link 2 saturates first at level 3 (A = C = 3); B then takes 10 - 3 = 7 of link 1.
TEST(FlowSolver, ThreeFlowLineNetwork) {
  FlowSolver s;
  const int l1 = s.add_constraint(10.0);
  const int l2 = s.add_constraint(6.0);
  const int a = s.add_variable(1.0, 0, std::vector<int>{l1, l2});
  const int b = s.add_variable(1.0, 0, std::vector<int>{l1});
  const int c = s.add_variable(1.0, 0, std::vector<int>{l2});
  solve(s);
  expect_rel(s.rate(a), 3.0);
  expect_rel(s.rate(b), 7.0);
  expect_rel(s.rate(c), 3.0);
}

TEST(FlowSolver, PenaltiesWeighTheShares) {
  FlowSolver s;
  const int link = s.add_constraint(8.0);
  const int light = s.add_variable(1.0, 0, std::vector<int>{link});
  const int heavy = s.add_variable(3.0, 0, std::vector<int>{link});
  solve(s);
  expect_rel(s.rate(light), 6.0);  // 3C/4
  expect_rel(s.rate(heavy), 2.0);  // C/4
}

TEST(FlowSolver, BoundBelowTheFairShareFreesCapacity) {
  FlowSolver s;
  const int link = s.add_constraint(9.0);
  const int capped = s.add_variable(1.0, 1.0, std::vector<int>{link});
  const int x = s.add_variable(1.0, 0, std::vector<int>{link});
  const int y = s.add_variable(1.0, 100.0, std::vector<int>{link});  // bound above its share
  solve(s);
  expect_rel(s.rate(capped), 1.0);
  expect_rel(s.rate(x), 4.0);
  expect_rel(s.rate(y), 4.0);
}

TEST(FlowSolver, InactiveVariablesTakeNothingUntilActivated) {
  FlowSolver s;
  const int link = s.add_constraint(10.0);
  const int idle = s.add_variable(0.0, 0, std::vector<int>{link});
  const int busy = s.add_variable(1.0, 0, std::vector<int>{link});
  EXPECT_EQ(solve(s), std::vector<int>{busy});  // idle stays at 0: not a change
  EXPECT_EQ(s.rate(idle), 0.0);
  expect_rel(s.rate(busy), 10.0);

  s.set_penalty(idle, 1.0);
  EXPECT_EQ(solve(s), (std::vector<int>{idle, busy}));
  expect_rel(s.rate(idle), 5.0);
  expect_rel(s.rate(busy), 5.0);

  s.set_penalty(idle, 0.0);
  EXPECT_EQ(solve(s), (std::vector<int>{idle, busy}));
  EXPECT_EQ(s.rate(idle), 0.0);
  expect_rel(s.rate(busy), 10.0);
}

TEST(FlowSolver, RemovalResolvesTheComponentOnly) {
  FlowSolver s;
  const int l1 = s.add_constraint(10.0);
  const int l2 = s.add_constraint(6.0);
  const int other_link = s.add_constraint(5.0);
  const int a = s.add_variable(1.0, 0, std::vector<int>{l1, l2});
  const int b = s.add_variable(1.0, 0, std::vector<int>{l1});
  const int c = s.add_variable(1.0, 0, std::vector<int>{l2});
  const int d = s.add_variable(1.0, 0, std::vector<int>{other_link});
  const int e = s.add_variable(1.0, 0, std::vector<int>{other_link});
  EXPECT_EQ(solve(s).size(), 5u);

  s.remove_variable(c);
  EXPECT_EQ(s.live_variables(), 4u);
  // Link 1 now binds at 10 / 2: A 3 -> 5, B 7 -> 5; D and E are in another component.
  EXPECT_EQ(solve(s), (std::vector<int>{a, b}));
  expect_rel(s.rate(a), 5.0);  // link 1 now binds: 10 / 2
  expect_rel(s.rate(b), 5.0);
  expect_rel(s.rate(d), 2.5);
  expect_rel(s.rate(e), 2.5);

  // Touching D's component reports only E (and not A, B).
  s.remove_variable(d);
  EXPECT_EQ(solve(s), std::vector<int>{e});
  expect_rel(s.rate(e), 5.0);
  EXPECT_TRUE(solve(s).empty());  // nothing touched, nothing reported
}

// Many dirty constraints in the same components (every link of every added route) still
// recompute each component once per solve(), whichever component is reached first.
TEST(FlowSolver, EachTouchedComponentIsSolvedOncePerSolve) {
  FlowSolver s;
  std::vector<int> left, right;
  for (int i = 0; i < 3; ++i) left.push_back(s.add_constraint(10.0));
  for (int i = 0; i < 3; ++i) right.push_back(s.add_constraint(8.0));
  for (int i = 0; i < 3; ++i) {
    s.add_variable(1.0, 0, left);
    s.add_variable(1.0, 0, right);
  }
  EXPECT_EQ(solve(s).size(), 6u);
  EXPECT_EQ(s.component_solves(), 2u);
  const int late = s.add_variable(1.0, 0, right);
  s.add_variable(1.0, 0, left);
  EXPECT_EQ(solve(s).size(), 8u);  // four flows on each side: 10 / 4 and 8 / 4
  EXPECT_EQ(s.component_solves(), 4u);
  expect_rel(s.rate(late), 2.0);
  EXPECT_TRUE(solve(s).empty());
  EXPECT_EQ(s.component_solves(), 4u);
}

TEST(FlowSolver, RemovedIdsAreReusedWithFreshState) {
  FlowSolver s;
  const int link = s.add_constraint(12.0);
  const int other = s.add_constraint(2.0);
  const int a = s.add_variable(1.0, 0, std::vector<int>{link});
  const int b = s.add_variable(1.0, 0, std::vector<int>{link});
  solve(s);
  s.remove_variable(a);
  const int again = s.add_variable(2.0, 0, std::vector<int>{other});
  EXPECT_EQ(again, a);
  EXPECT_EQ(s.rate(again), 0.0);  // not solved yet
  EXPECT_EQ(solve(s), (std::vector<int>{a, b}));
  expect_rel(s.rate(again), 2.0);
  expect_rel(s.rate(b), 12.0);
}

// A reused id is a new variable: reported even when it lands on its predecessor's rate.
TEST(FlowSolver, ReusedIdIsReportedEvenAtItsPredecessorsRate) {
  FlowSolver s;
  const int link = s.add_constraint(4.0);
  const int a = s.add_variable(1.0, 0, std::vector<int>{link});
  const int b = s.add_variable(1.0, 0, std::vector<int>{link});
  solve(s);
  s.remove_variable(a);
  EXPECT_EQ(s.add_variable(1.0, 0, std::vector<int>{link}), a);
  EXPECT_EQ(solve(s), std::vector<int>{a});  // b keeps 2: not reported
  expect_rel(s.rate(a), 2.0);
  expect_rel(s.rate(b), 2.0);
}

TEST(FlowSolver, VariablesWithoutConstraintsGetTheirBound) {
  FlowSolver s;
  const int bounded = s.add_variable(1.0, 7.0, std::span<const int>{});
  const int unbounded = s.add_variable(1.0, 0, std::span<const int>{});
  const int idle = s.add_variable(0.0, 7.0, std::span<const int>{});
  EXPECT_EQ(solve(s), (std::vector<int>{bounded, unbounded}));
  EXPECT_EQ(s.rate(bounded), 7.0);
  EXPECT_EQ(s.rate(unbounded), FlowSolver::kUnconstrainedRate);
  EXPECT_EQ(s.rate(idle), 0.0);
}

// A variable alone in its component takes a shortcut; an inactive neighbour (which
// takes nothing) forces the general path, and both must give the same bits.
TEST(FlowSolver, LoneVariableShortcutGivesTheGeneralPathsBits) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int trial = 0; trial < 200; ++trial) {
    const double caps[3] = {1e9 * (0.1 + unit(rng)), 3e8 * (0.1 + unit(rng)), 7.3 * unit(rng)};
    const double penalty = 0.3 + 5 * unit(rng);
    const double bound = unit(rng) < 0.5 ? 2e8 * unit(rng) : 0.0;
    const int hops = 1 + static_cast<int>(rng() % 3);
    double rates[2];
    for (int with_neighbour = 0; with_neighbour < 2; ++with_neighbour) {
      FlowSolver s;
      std::vector<int> route;
      for (int h = 0; h < hops; ++h) route.push_back(s.add_constraint(caps[h]));
      const int v = s.add_variable(penalty, bound, route);
      if (with_neighbour) s.add_variable(0.0, 0, std::vector<int>{route.back()});
      solve(s);
      rates[with_neighbour] = s.rate(v);
    }
    EXPECT_GT(rates[0], 0.0);
    EXPECT_EQ(rates[0], rates[1]) << "trial " << trial;
  }
}

// ---- Randomized check against a from-scratch reference ----

struct RefVar {
  double penalty;
  double bound;
  std::vector<int> constraints;
};

// Textbook progressive filling: recompute every level from scratch each step; fix the
// variable whose bound level is lowest if it is under the lowest constraint level,
// else saturate the lowest constraint.
std::map<int, double> reference(const std::vector<double>& caps, const std::map<int, RefVar>& vars) {
  std::map<int, double> rate;
  std::map<int, bool> open;
  for (const auto& [id, v] : vars) {
    rate[id] = 0;
    open[id] = v.penalty > 0;
  }
  std::vector<double> used(caps.size(), 0.0);
  for (;;) {
    int best_c = -1;
    double best_level = 0;
    for (std::size_t c = 0; c < caps.size(); ++c) {
      double weight = 0;
      for (const auto& [id, v] : vars)
        if (open[id] && std::count(v.constraints.begin(), v.constraints.end(), static_cast<int>(c)))
          weight += 1.0 / v.penalty;
      if (weight == 0) continue;
      const double level = (caps[c] - used[c]) / weight;
      if (best_c < 0 || level < best_level) {
        best_c = static_cast<int>(c);
        best_level = level;
      }
    }
    if (best_c < 0) break;
    int best_v = -1;
    double best_bound = 0;
    for (const auto& [id, v] : vars) {
      if (!open[id] || v.bound <= 0) continue;
      if (best_v < 0 || v.bound * v.penalty < best_bound) {
        best_v = id;
        best_bound = v.bound * v.penalty;
      }
    }
    std::vector<int> to_fix;
    if (best_v >= 0 && best_bound < best_level) {
      to_fix.push_back(best_v);
    } else {
      for (const auto& [id, v] : vars)
        if (open[id] && std::count(v.constraints.begin(), v.constraints.end(), best_c)) to_fix.push_back(id);
    }
    for (const int id : to_fix) {
      const RefVar& v = vars.at(id);
      rate[id] = (best_v == id && best_bound < best_level) ? v.bound : best_level / v.penalty;
      open[id] = false;
      for (const int c : v.constraints) used[static_cast<std::size_t>(c)] += rate[id];
    }
  }
  return rate;
}

// One component of hundreds of variables (the ring all-reduce of a large job), shrunk
// in batches: each solve must still match the from-scratch filling.
TEST(FlowSolver, LargeComponentMatchesTheReference) {
  std::mt19937_64 rng(777);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  FlowSolver solver;
  std::vector<double> caps;
  for (int c = 0; c < 6; ++c) {
    caps.push_back(50.0 + 950.0 * unit(rng));
    solver.add_constraint(caps.back());
  }
  std::map<int, RefVar> vars;
  for (int i = 0; i < 300; ++i) {
    RefVar v;
    v.penalty = 0.5 + 3.5 * unit(rng);
    v.bound = unit(rng) < 0.3 ? 0.5 + 10.0 * unit(rng) : 0.0;
    v.constraints = {static_cast<int>(rng() % 6)};
    const int second = static_cast<int>(rng() % 6);
    if (second != v.constraints[0]) v.constraints.push_back(second);
    vars[solver.add_variable(v.penalty, v.bound, v.constraints)] = v;
  }
  std::vector<int> changed;
  for (int batch = 0; batch < 5; ++batch) {
    solver.solve(changed);
    for (const auto& [id, r] : reference(caps, vars)) ASSERT_NEAR(solver.rate(id), r, 1e-12 * r) << "batch " << batch;
    for (int k = 0; k < 50; ++k) {
      auto it = vars.begin();
      std::advance(it, static_cast<long>(rng() % vars.size()));
      solver.remove_variable(it->first);
      vars.erase(it);
    }
  }
}

// Same calls in the same order, same rates to the last bit (no hash order, no
// uninitialized scratch).
TEST(FlowSolver, SameCallsGiveBitIdenticalRates) {
  auto run = [] {
    std::mt19937_64 rng(99);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    FlowSolver solver;
    for (int c = 0; c < 5; ++c) solver.add_constraint(1.0 + unit(rng));
    std::vector<int> live;
    std::vector<int> changed;
    std::vector<double> trace;
    for (int step = 0; step < 200; ++step) {
      if (live.empty() || unit(rng) < 0.6) {
        const std::vector<int> route{static_cast<int>(rng() % 5)};
        live.push_back(solver.add_variable(0.5 + unit(rng), unit(rng) < 0.3 ? 0.1 : 0.0, route));
      } else {
        const std::size_t k = rng() % live.size();
        solver.remove_variable(live[k]);
        live.erase(live.begin() + static_cast<long>(k));
      }
      changed.clear();
      solver.solve(changed);
      for (const int id : changed) trace.push_back(solver.rate(id));
    }
    return trace;
  };
  const std::vector<double> first = run();
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, run());
}

TEST(FlowSolver, MatchesTheReferenceOnRandomNetworks) {
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int network = 0; network < 40; ++network) {
    std::vector<double> caps;
    const int n_constraints = 1 + static_cast<int>(rng() % 10);
    FlowSolver solver;
    for (int c = 0; c < n_constraints; ++c) {
      caps.push_back(1.0 + 99.0 * unit(rng));
      solver.add_constraint(caps.back());
    }
    std::map<int, RefVar> vars;
    std::map<int, double> previous;  // rates after the last solve, live variables only
    for (int step = 0; step < 60; ++step) {
      const int ops = 1 + static_cast<int>(rng() % 3);
      for (int op = 0; op < ops; ++op) {
        const double pick = unit(rng);
        if (vars.empty() || pick < 0.5) {
          RefVar v;
          v.penalty = unit(rng) < 0.15 ? 0.0 : 0.5 + 3.5 * unit(rng);
          v.bound = unit(rng) < 0.3 ? 0.5 + 30.0 * unit(rng) : 0.0;
          const int uses = 1 + static_cast<int>(rng() % 3);
          for (int k = 0; k < uses; ++k) {
            const int c = static_cast<int>(rng() % static_cast<unsigned>(n_constraints));
            if (!std::count(v.constraints.begin(), v.constraints.end(), c)) v.constraints.push_back(c);
          }
          const int id = solver.add_variable(v.penalty, v.bound, v.constraints);
          ASSERT_EQ(vars.count(id), 0u);
          vars[id] = v;
          previous[id] = 0.0;
        } else {
          auto it = vars.begin();
          std::advance(it, static_cast<long>(rng() % vars.size()));
          if (pick < 0.8) {
            solver.remove_variable(it->first);
            previous.erase(it->first);
            vars.erase(it);
          } else {
            it->second.penalty = unit(rng) < 0.3 ? 0.0 : 0.5 + 3.5 * unit(rng);
            solver.set_penalty(it->first, it->second.penalty);
          }
        }
      }
      const std::vector<int> changed = solve(solver);
      ASSERT_EQ(solver.live_variables(), vars.size());
      const std::map<int, double> expected = reference(caps, vars);
      std::vector<int> differing;
      for (const auto& [id, r] : expected) {
        const double got = solver.rate(id);
        ASSERT_NEAR(got, r, 1e-12 * std::max(std::fabs(r), 1.0)) << "network " << network << " step " << step;
        if (got != previous[id]) differing.push_back(id);
        previous[id] = got;
      }
      EXPECT_EQ(changed, differing) << "network " << network << " step " << step;
    }
  }
}

}  // namespace
}  // namespace lcperf::sim
