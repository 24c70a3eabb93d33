// FlowSolver against SimGrid 3.32 itself. Network: random routes over shared links under
// the CM02 model (no latency, no TCP window bound, no cross traffic, so every transfer is
// one lmm variable of penalty 1 over its route's links; some get a rate cap, its bound). CPU: executions of random
// priorities on a multi-core host under CAS01 (penalty 1 / priority, bound one core's
// speed, capacity all cores). Each rate is read back from SimGrid as work done over a
// short interval and must match what FlowSolver computes for the same constraints.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <simgrid/s4u.hpp>
#include <string>
#include <vector>

#include "sim/flow_solver.hpp"

namespace lcperf::sim {
namespace {

// Appended rather than "literal" + std::string (GCC 12's -Wrestrict false positive).
std::string named(const char* prefix, int index) {
  std::string name(prefix);
  name += std::to_string(index);
  return name;
}

TEST(FlowSolverSimGrid, RatesMatchSimGridsCm02Model) {
  int argc = 2;
  char name[] = "flow_solver_simgrid_test";
  char quiet[] = "--log=root.thres:critical";
  char* argv[] = {name, quiet, nullptr};
  simgrid::s4u::Engine engine(&argc, argv);
  engine.set_config("network/model:CM02");
  engine.set_config("network/crosstraffic:0");
  engine.set_config("network/TCP-gamma:0");
  engine.set_config("network/weight-S:0");
  engine.set_config("network/latency-factor:1");
  engine.set_config("network/bandwidth-factor:1");

  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  constexpr int kLinks = 6;
  constexpr int kTransfers = 14;
  auto* zone = simgrid::s4u::create_full_zone("world");
  FlowSolver solver;
  std::vector<simgrid::s4u::Link*> links;
  for (int l = 0; l < kLinks; ++l) {
    const double bandwidth = 1e8 * (1.0 + 99.0 * unit(rng));
    links.push_back(zone->create_link(named("l", l), bandwidth)->seal());
    solver.add_constraint(bandwidth);
  }
  std::vector<simgrid::s4u::Host*> sources;
  std::vector<simgrid::s4u::Host*> destinations;
  std::vector<int> variables;
  std::vector<double> caps;  // 0: none
  for (int t = 0; t < kTransfers; ++t) {
    sources.push_back(zone->create_host(named("s", t), 1e9)->seal());
    destinations.push_back(zone->create_host(named("d", t), 1e9)->seal());
    std::vector<int> route;
    std::vector<simgrid::s4u::LinkInRoute> hops;
    const int length = 1 + static_cast<int>(rng() % 3);
    for (int h = 0; h < length; ++h) {
      const int l = static_cast<int>(rng() % kLinks);
      bool seen = false;
      for (const int r : route) seen = seen || r == l;
      if (seen) continue;
      route.push_back(l);
      hops.emplace_back(links[static_cast<std::size_t>(l)]);
    }
    zone->add_route(sources.back()->get_netpoint(), destinations.back()->get_netpoint(), nullptr, nullptr, hops,
                    false);
    caps.push_back(unit(rng) < 0.3 ? 1e8 * (1.0 + 20.0 * unit(rng)) : 0.0);
    variables.push_back(solver.add_variable(1.0, caps.back(), route));
  }
  zone->seal();

  constexpr double kBytes = 1e9;   // the fastest transfer (1e10 B/s) needs 0.1 s
  constexpr double kWindow = 1e-2;  // rates are read after this long
  std::vector<double> simgrid_rates(kTransfers, 0.0);
  // Transfers go through mailboxes (SimGrid 3.32 refuses set_rate on sendto_init), each
  // put by an actor on its source host; the observer reads them all after the window.
  int payload = 0;
  std::vector<simgrid::s4u::CommPtr> comms(kTransfers);
  for (int t = 0; t < kTransfers; ++t) {
    const auto i = static_cast<std::size_t>(t);
    simgrid::s4u::Actor::create(named("r", t), destinations[i],
                                [t] { simgrid::s4u::Mailbox::by_name(named("m", t))->get<int>(); });
    simgrid::s4u::Actor::create(named("p", t), sources[i], [&, t, i] {
      auto put = simgrid::s4u::Mailbox::by_name(named("m", t))->put_init(&payload, static_cast<std::uint64_t>(kBytes));
      if (caps[i] > 0) put->set_rate(caps[i]);
      comms[i] = put;
      put->start()->wait();
    });
  }
  simgrid::s4u::Actor::create("observer", sources.front(), [&] {
    simgrid::s4u::this_actor::sleep_for(kWindow);
    for (int t = 0; t < kTransfers; ++t)
      simgrid_rates[static_cast<std::size_t>(t)] = (kBytes - comms[static_cast<std::size_t>(t)]->get_remaining()) / kWindow;
  });
  engine.run();

  std::vector<int> changed;
  solver.solve(changed);
  int at_cap = 0;
  for (int t = 0; t < kTransfers; ++t) {
    const double expected = simgrid_rates[static_cast<std::size_t>(t)];
    EXPECT_GT(expected, 0.0);
    at_cap += solver.rate(variables[static_cast<std::size_t>(t)]) == caps[static_cast<std::size_t>(t)] ? 1 : 0;
    // Reading the rate back through the remaining bytes costs ~1e-13 of precision.
    EXPECT_NEAR(solver.rate(variables[static_cast<std::size_t>(t)]), expected, 1e-11 * expected) << "transfer " << t;
  }
  EXPECT_GT(at_cap, 0);  // the bounds are exercised
}

TEST(FlowSolverSimGrid, RatesMatchSimGridsCas01Model) {
  int argc = 2;
  char name[] = "flow_solver_simgrid_test";
  char quiet[] = "--log=root.thres:critical";
  char* argv[] = {name, quiet, nullptr};
  simgrid::s4u::Engine engine(&argc, argv);
  engine.set_config("cpu/model:Cas01");

  constexpr double kSpeed = 1e9;
  constexpr int kCores = 4;
  constexpr int kExecutions = 5;
  auto* zone = simgrid::s4u::create_full_zone("world");
  simgrid::s4u::Host* host = zone->create_host("h", kSpeed)->set_core_count(kCores)->seal();
  zone->seal();
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

  constexpr double kFlops = 1e10;
  constexpr double kWindow = 1e-2;
  std::vector<double> simgrid_rates(kExecutions, 0.0);
  simgrid::s4u::Actor::create("observer", host, [&] {
    std::vector<simgrid::s4u::ExecPtr> execs;
    for (int e = 0; e < kExecutions; ++e) {
      execs.push_back(simgrid::s4u::this_actor::exec_init(kFlops));
      execs.back()->set_priority(priorities[static_cast<std::size_t>(e)])->start();
    }
    simgrid::s4u::this_actor::sleep_for(kWindow);
    for (int e = 0; e < kExecutions; ++e)
      simgrid_rates[static_cast<std::size_t>(e)] = (kFlops - execs[static_cast<std::size_t>(e)]->get_remaining()) / kWindow;
    for (auto& exec : execs) exec->cancel();
  });
  engine.run();

  std::vector<int> changed;
  solver.solve(changed);
  int at_bound = 0;
  for (int e = 0; e < kExecutions; ++e) {
    const double expected = simgrid_rates[static_cast<std::size_t>(e)];
    const double rate = solver.rate(variables[static_cast<std::size_t>(e)]);
    at_bound += rate == kSpeed ? 1 : 0;
    EXPECT_NEAR(rate, expected, 1e-11 * expected) << "execution " << e;
  }
  // The case is only a test of bounds if some execution is held at one core's speed.
  EXPECT_GT(at_bound, 0);
  EXPECT_LT(at_bound, kExecutions);
}

}  // namespace
}  // namespace lcperf::sim
