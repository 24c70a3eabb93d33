// The native engine's sharing solver alone: activities per second when every activity
// is one add_variable + solve and one remove_variable + solve, on many small components
// (a cluster of independent link groups) and on one large component (a shared core).
// Figures are printed (median and range over repeats); nothing is asserted.
//
//   build/bench/flow_solver_speed [--repeat N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "sim/flow_solver.hpp"

namespace {

using lcperf::sim::FlowSolver;

struct Case {
  const char* name;
  int groups;          // independent groups of links
  int links_per_group;
  int live_per_group;  // variables kept alive in each group
  int activities;      // add + remove pairs timed
};

// Activities per second for one case: `live_per_group` transfers stay alive in every
// group; each activity removes one (solve) and adds a replacement on a random route of
// 1 to 3 links of the same group (solve).
double activities_per_second(const Case& c, unsigned seed) {
  std::mt19937 rng(seed);
  FlowSolver solver;
  for (int i = 0; i < c.groups * c.links_per_group; ++i) solver.add_constraint(1e9 + 1e7 * (i % 13));
  std::vector<int> route;
  auto add = [&](int group) {
    route.clear();
    const int hops = 1 + static_cast<int>(rng() % 3);
    for (int h = 0; h < hops; ++h) {
      const int link = group * c.links_per_group + static_cast<int>(rng() % static_cast<unsigned>(c.links_per_group));
      if (std::find(route.begin(), route.end(), link) == route.end()) route.push_back(link);
    }
    const double bound = (rng() % 4 == 0) ? 2e8 : 0.0;
    return solver.add_variable(1.0, bound, route);
  };
  std::vector<std::vector<int>> live(static_cast<std::size_t>(c.groups));
  std::vector<int> changed;
  for (int g = 0; g < c.groups; ++g)
    for (int k = 0; k < c.live_per_group; ++k) live[static_cast<std::size_t>(g)].push_back(add(g));
  solver.solve(changed);
  const auto start = std::chrono::steady_clock::now();
  for (int a = 0; a < c.activities; ++a) {
    const int g = static_cast<int>(rng() % static_cast<unsigned>(c.groups));
    std::vector<int>& ids = live[static_cast<std::size_t>(g)];
    const std::size_t victim = rng() % ids.size();
    solver.remove_variable(ids[victim]);
    changed.clear();
    solver.solve(changed);
    ids[victim] = add(g);
    changed.clear();
    solver.solve(changed);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return c.activities / wall;
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 5;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--repeat N]\n", argv[0]);
      return 2;
    }
  }
  const Case cases[] = {
      {"tiny components (4096 groups x 2 links, 2 live each)", 4096, 2, 2, 1000000},
      {"small components (1024 groups x 4 links, 8 live each)", 1024, 4, 8, 400000},
      {"medium components (64 groups x 8 links, 64 live each)", 64, 8, 64, 100000},
      {"one large component (32 links, 1000 live)", 1, 32, 1000, 2000},
  };
  std::printf("%-58s %14s %24s\n", "case", "median act/s", "range act/s");
  for (const Case& c : cases) {
    std::vector<double> rates;
    for (int r = 0; r < repeat; ++r) rates.push_back(activities_per_second(c, 1000u + static_cast<unsigned>(r)));
    std::sort(rates.begin(), rates.end());
    std::printf("%-58s %14.0f %11.0f - %10.0f\n", c.name, rates[rates.size() / 2], rates.front(), rates.back());
  }
  return 0;
}
