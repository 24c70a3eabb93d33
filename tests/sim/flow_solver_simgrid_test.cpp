// FlowSolver against SimGrid 3.32 itself (sim/sharing_probe): transfers over random
// shared routes, some rate-capped, under CM02; executions of random priorities on a
// multi-core host under CAS01 (penalty 1 / priority, bound one core's speed, capacity
// all cores). Rates must match to 1e-11, SimGrid's read-back precision.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "sim/flow_solver.hpp"
#include "sim/sharing_probe.hpp"

namespace lcperf::sim {
namespace {

TEST(FlowSolverSimGrid, RatesMatchSimGridsCm02Model) {
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  constexpr int kLinks = 6;
  constexpr int kTransfers = 14;
  FlowSolver solver;
  std::vector<double> bandwidths;
  for (int l = 0; l < kLinks; ++l) {
    bandwidths.push_back(1e8 * (1.0 + 99.0 * unit(rng)));
    solver.add_constraint(bandwidths.back());
  }
  std::vector<ProbeTransfer> transfers;
  std::vector<int> variables;
  for (int t = 0; t < kTransfers; ++t) {
    ProbeTransfer transfer;
    const int length = 1 + static_cast<int>(rng() % 3);
    for (int h = 0; h < length; ++h) {
      const int l = static_cast<int>(rng() % kLinks);
      bool seen = false;
      for (const int r : transfer.links) seen = seen || r == l;
      if (!seen) transfer.links.push_back(l);
    }
    transfer.rate_cap = unit(rng) < 0.3 ? 1e8 * (1.0 + 20.0 * unit(rng)) : 0.0;
    variables.push_back(solver.add_variable(1.0, transfer.rate_cap, transfer.links));
    transfers.push_back(transfer);
  }
  const std::vector<double> expected = simgrid_transfer_rates(bandwidths, transfers);

  std::vector<int> changed;
  solver.solve(changed);
  int at_cap = 0;
  for (std::size_t t = 0; t < transfers.size(); ++t) {
    const double rate = solver.rate(variables[t]);
    EXPECT_GT(expected[t], 0.0);
    EXPECT_NEAR(rate, expected[t], 1e-11 * expected[t]) << "transfer " << t;
    at_cap += rate == transfers[t].rate_cap ? 1 : 0;
  }
  EXPECT_GT(at_cap, 0);  // the bounds are exercised
}

TEST(FlowSolverSimGrid, RatesMatchSimGridsCas01Model) {
  constexpr double kSpeed = 1e9;
  constexpr int kCores = 4;
  constexpr int kExecutions = 5;
  FlowSolver solver;
  const int cpu = solver.add_constraint(kSpeed * kCores);
  std::mt19937_64 rng(77);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<double> priorities;
  std::vector<int> variables;
  for (int e = 0; e < kExecutions; ++e) {
    priorities.push_back(0.2 + 5.0 * unit(rng));
    variables.push_back(solver.add_variable(1.0 / priorities.back(), kSpeed, std::vector<int>{cpu}));
  }
  const std::vector<double> expected = simgrid_execution_rates(kSpeed, kCores, priorities);

  std::vector<int> changed;
  solver.solve(changed);
  int at_bound = 0;
  for (std::size_t e = 0; e < priorities.size(); ++e) {
    const double rate = solver.rate(variables[e]);
    at_bound += rate == kSpeed ? 1 : 0;
    EXPECT_NEAR(rate, expected[e], 1e-11 * expected[e]) << "execution " << e;
  }
  // Only a test of bounds if some execution is held at one core's speed and some not.
  EXPECT_GT(at_bound, 0);
  EXPECT_LT(at_bound, kExecutions);
}

}  // namespace
}  // namespace lcperf::sim
