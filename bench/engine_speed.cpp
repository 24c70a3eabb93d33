// The event engines' own speed, in activities (timers, executions, transfers) per CPU
// second of the engine's run (platform building excluded): the native engine alone on
// timers, executions and transfers, and SimGrid against the native engine on the same
// rank programs over lcperf's cluster platform (engine_crosscheck.hpp), with their end
// dates compared. Each run is a forked child (one SimGrid engine per process); figures
// are printed, nothing is asserted.
//
//   build/bench/engine_speed [--repeat N] [--quick] [--case SUBSTRING]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "bench/bench_support.hpp"
#include "sim/engine_crosscheck.hpp"
#include "sim/hand_platform.hpp"
#include "sim/native_engine.hpp"

namespace {

using namespace lcperf;

// Written out: GCC 12 warns falsely on "literal" + std::to_string under -O2.
std::string numbered(const char* prefix, int i) {
  std::string out(prefix);
  out.append(std::to_string(i));
  return out;
}

struct Figures {
  double cpu_s = 0;
  double activities = 0;
  double end_time_s = 0;
  bool ok = false;
};

// `actors` actors, each `rounds` sleeps of uneven lengths: the timer heap and the
// context switches alone.
Figures native_timers(int actors, int rounds) {
  sim::HandPlatform platform;
  sim::EngineHost host = platform.host("h");
  platform.seal();
  auto engine = sim::make_native_engine();
  for (int a = 0; a < actors; ++a) {
    engine->spawn("sleeper", host, [&engine, a, rounds] {
      for (int r = 0; r < rounds; ++r) engine->sleep_for(1e-6 * (1 + (a * 7 + r * 13) % 17));
    });
  }
  const std::clock_t start = std::clock();
  engine->run();
  return {static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC, 1.0 * actors * rounds, engine->clock(), true};
}

// `hosts` hosts with `per_host` actors each, executing kernels of uneven sizes: the
// CPU sharing (every start and end re-solves its host).
Figures native_executions(int hosts, int per_host, int rounds) {
  sim::HandPlatform platform;
  std::vector<sim::EngineHost> all;
  for (int h = 0; h < hosts; ++h) all.push_back(platform.host(numbered("h", h), 1e12));
  platform.seal();
  auto engine = sim::make_native_engine();
  for (int h = 0; h < hosts; ++h) {
    for (int k = 0; k < per_host; ++k) {
      engine->spawn("kernels", all[static_cast<std::size_t>(h)], [&engine, h, k, rounds] {
        for (int r = 0; r < rounds; ++r) engine->execute(1e6 * (1 + (h + k * 5 + r * 3) % 11));
      });
    }
  }
  const std::clock_t start = std::clock();
  engine->run();
  return {static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC, 1.0 * hosts * per_host * rounds, engine->clock(),
          true};
}

// `nodes` nodes of 8 hosts behind one shared uplink each; every host sends to a host on
// the next node `rounds` times (latency, then a share of two uplinks weighted by 1 /
// route latency): the flow model and the event heap.
Figures native_transfers(int nodes, int rounds) {
  sim::HandPlatform platform;
  std::vector<sim::EngineHost> hosts;
  std::vector<int> uplinks;
  std::vector<int> nics;
  for (int n = 0; n < nodes; ++n) {
    uplinks.push_back(platform.link(numbered("up", n), 400e9, 2e-6));
    for (int g = 0; g < 8; ++g) {
      hosts.push_back(platform.host(numbered("g", n * 8 + g), 1e12));
      nics.push_back(platform.link(numbered("nic", n * 8 + g), 50e9, 1e-6 * (1 + g % 3)));
    }
  }
  for (int n = 0; n < nodes; ++n) {
    const int m = (n + 1) % nodes;
    for (int g = 0; g < 8; ++g) {
      const std::size_t from = static_cast<std::size_t>(n * 8 + g);
      const std::size_t to = static_cast<std::size_t>(m * 8 + g);
      platform.route(hosts[from], hosts[to],
                     {nics[from], uplinks[static_cast<std::size_t>(n)], sim::HandPlatform::down(uplinks[static_cast<std::size_t>(m)]),
                      sim::HandPlatform::down(nics[to])});
    }
  }
  platform.seal();
  auto engine = sim::make_native_engine();
  for (int n = 0; n < nodes; ++n) {
    for (int g = 0; g < 8; ++g) {
      sim::EngineHost from = hosts[static_cast<std::size_t>(n * 8 + g)];
      sim::EngineHost to = hosts[static_cast<std::size_t>(((n + 1) % nodes) * 8 + g)];
      engine->spawn("sender", from, [&engine, from, to, g, rounds] {
        for (int r = 0; r < rounds; ++r) engine->send_async(from, to, 1000000ull * static_cast<unsigned>(1 + (g + r) % 4))->wait();
      });
    }
  }
  const std::clock_t start = std::clock();
  engine->run();
  return {static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC, 1.0 * nodes * 8 * rounds, engine->clock(), true};
}

Figures cluster_ring(sim::CrossCheckEngine engine, int nodes, int steps) {
  const sim::CrossCheckRun run = sim::run_cluster_ring(engine, bench::h200_like(nodes), steps);
  return {run.run_cpu_s, static_cast<double>(run.activities), run.end_time_s,
          run.steps_done == static_cast<std::uint64_t>(nodes) * 8 * static_cast<std::uint64_t>(steps)};
}

struct Summary {
  double median = 0;
  double low = 0;
  double high = 0;
  Figures last;
};

Summary measure(const std::function<Figures()>& body, int repeat) {
  std::vector<double> cpu;
  Summary s;
  for (int i = 0; i < repeat; ++i) {
    s.last = bench::in_child<Figures>(body, Figures{});
    if (!s.last.ok) return s;
    cpu.push_back(s.last.cpu_s);
  }
  std::sort(cpu.begin(), cpu.end());
  s.median = cpu[cpu.size() / 2];
  s.low = cpu.front();
  s.high = cpu.back();
  return s;
}

void print(const char* name, const Summary& s) {
  if (!s.last.ok) {
    std::printf("%-44s FAILED\n", name);
    return;
  }
  std::printf("%-44s %10.0f activities  CPU %.4f s [%.4f, %.4f]  %12.0f activities/CPU s  (simulated %.6g s)\n", name,
              s.last.activities, s.median, s.low, s.high, s.last.activities / std::max(s.median, 1e-9), s.last.end_time_s);
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 5;
  bool quick = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
    if (std::strcmp(argv[i], "--case") == 0 && i + 1 < argc) only = argv[++i];
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
  }
  const int scale = quick ? 10 : 1;
  const auto chosen = [&only](const char* name) { return std::string(name).find(only) != std::string::npos; };
  if (chosen("timers")) {
    print("native: timers (1000 actors)", measure([scale] { return native_timers(1000, 1000 / scale); }, repeat));
  }
  if (chosen("executions")) {
    print("native: executions (128 hosts x 4 actors)",
          measure([scale] { return native_executions(128, 4, 1000 / scale); }, repeat));
  }
  if (chosen("transfers")) {
    print("native: transfers (16 nodes x 8 hosts)", measure([scale] { return native_transfers(16, 2000 / scale); }, repeat));
  }
  if (!chosen("cluster ring")) return 0;
  const int nodes = 16;
  const int steps = 400 / scale;
  const Summary simgrid =
      measure([nodes, steps] { return cluster_ring(sim::CrossCheckEngine::simgrid, nodes, steps); }, repeat);
  const Summary native =
      measure([nodes, steps] { return cluster_ring(sim::CrossCheckEngine::native, nodes, steps); }, repeat);
  print("cluster ring 16x8: SimGrid", simgrid);
  print("cluster ring 16x8: native", native);
  if (simgrid.last.ok && native.last.ok) {
    std::printf("cluster ring end date: SimGrid %.12g s, native %.12g s (difference %.3g s); speed-up %.1fx\n",
                simgrid.last.end_time_s, native.last.end_time_s, std::fabs(simgrid.last.end_time_s - native.last.end_time_s),
                simgrid.median / std::max(native.median, 1e-9));
  }
  return 0;
}
