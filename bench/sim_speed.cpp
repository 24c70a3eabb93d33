// Simulator speed: activities simulated per wall second, and wall time of one training
// iteration of a 1024-GPU configuration. Each measurement runs in a forked child (one
// SimGrid engine per process); figures are printed, nothing is asserted. Where a case
// runs on both engines, the last lines give the native engine's speed over SimGrid's.
//
//   build/bench/sim_speed [--quick] [--case SUBSTRING] [--repeat N] [--inline]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/bench_support.hpp"
#include "core/parallel_config.hpp"
#include "sim/simulator.hpp"

namespace {

using namespace lcperf;

// A pipeline of `pp` stages over `ranks` GPUs: every micro-batch is a forward kernel,
// an activation send/recv, a backward kernel and a gradient send/recv; then a ring
// all-reduce over the data-parallel group. Shapes are fixed so only the simulator's
// own speed is measured.
core::RankProgram synthetic_pipeline(const core::ParallelConfig& pc, int rank) {
  return [pc, rank](core::Runtime& rt) {
    const core::RankCoord me = core::coord_of(pc, rank);
    const int m = pc.num_micro_batches;
    const bool first = me.pp == 0;
    const bool last = me.pp == pc.pp - 1;
    core::RankCoord prev = me;
    core::RankCoord next = me;
    prev.pp -= 1;
    next.pp += 1;
    core::Tensor act{1, core::bytes_tensor("act", 64 << 20, core::MemoryTag::activations)};
    core::KernelOp fwd{"fwd", "forward", {core::GemmShape{8192, 8192, 1024, 1, core::DType::bf16}}, 0};
    core::KernelOp bwd{"bwd", "backward", {core::GemmShape{8192, 8192, 2048, 1, core::DType::bf16}}, 0};
    for (int j = 0; j < m; ++j) {
      if (!first) rt.wait(rt.recv(act, core::rank_of(pc, prev), core::kRecvStream, 2 * j));
      rt.run(fwd);
      if (!last) rt.send(act, core::rank_of(pc, next), core::kSendStream, 2 * j);
    }
    for (int j = 0; j < m; ++j) {
      if (!last) rt.wait(rt.recv(act, core::rank_of(pc, next), core::kRecvStream, 2 * j + 1));
      rt.run(bwd);
      if (!first) rt.send(act, core::rank_of(pc, prev), core::kSendStream, 2 * j + 1);
    }
    core::CommGroup dp{"dp", core::dp_group(pc, rank)};
    core::Tensor grads{2, core::bytes_tensor("grads", 256 << 20, core::MemoryTag::gradients)};
    rt.wait(rt.collective(core::CollectiveKind::all_reduce, dp, grads, core::kCollectiveStream));
  };
}

bench::Measurement synthetic(int tp, int pp, int dp, int m, core::SimEngine engine = core::SimEngine::simgrid) {
  core::ParallelConfig pc;
  pc.tp = tp;
  pc.pp = pp;
  pc.dp = dp;
  pc.num_micro_batches = m;
  sim::SimulationInput in;
  in.cluster = bench::h200_like((pc.world_size() + 7) / 8);
  in.ranks = pc.world_size();
  in.program_for = [pc](int r) { return synthetic_pipeline(pc, r); };
  in.engine = engine;
  in.kernel_price = sim::priced_by([](const core::KernelOp& op) { return core::flops_of(op) / 700e12; });
  const auto t0 = std::chrono::steady_clock::now();
  core::RunRecords records = sim::simulate(in);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {wall, records.events_simulated, records.end_time_s, true, wall};
}

// Several runs of one case, each in its own process: the median, the spread and the
// peak resident memory and CPU time the kernel accounted to the children.
struct Repeated {
  std::vector<bench::Measurement> runs;
  std::vector<bench::ProcessUsage> usage;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0 : n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Prints one case's line; returns its activities per CPU second (median), or -1 when a
// run failed.
double report_repeated(const std::string& name, const Repeated& r) {
  std::vector<double> wall, sim, cpu, rss;
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    if (!r.runs[i].ok) {
      std::printf("%-48s FAILED\n", name.c_str());
      return -1;
    }
    wall.push_back(r.runs[i].wall_s);
    sim.push_back(r.runs[i].simulation_wall_s > 0 ? r.runs[i].simulation_wall_s : r.runs[i].wall_s);
    cpu.push_back(r.usage[i].cpu_s);
    rss.push_back(r.usage[i].peak_rss_bytes / 1e6);
  }
  const bench::Measurement& m = r.runs.front();
  // Activities per CPU second too: on a loaded machine wall time says little.
  std::printf("%-48s %10.3f %10.3f %12llu %14.0f %12.4f %8.3f %8.3f..%-8.3f %8.0f %14.0f\n", name.c_str(), median(wall),
              median(sim), static_cast<unsigned long long>(m.activities), m.activities / median(sim), m.simulated_s,
              median(cpu), *std::min_element(cpu.begin(), cpu.end()), *std::max_element(cpu.begin(), cpu.end()),
              *std::max_element(rss.begin(), rss.end()), m.activities / median(cpu));
  return m.activities / median(cpu);
}

// The SimGrid-engine case a native-engine case repeats ("X (native)" or "X (..., native
// engine)" is the native twin of "X" or "X (...)"); "" for a SimGrid case.
std::string simgrid_twin(const std::string& name) {
  const std::string plain = " (native)";
  if (name.size() > plain.size() && name.compare(name.size() - plain.size(), plain.size(), plain) == 0) {
    return name.substr(0, name.size() - plain.size());
  }
  const std::string suffix = ", native engine)";
  if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return name.substr(0, name.size() - suffix.size()) + ")";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  // --repeat N (this benchmark's own option): runs per case, reported as medians.
  int repeat = 1;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      rest.push_back(argv[i]);
    }
  }
  bench::BenchArgs args;
  if (!bench::parse_bench_args(static_cast<int>(rest.size()), rest.data(), "sim_speed [--repeat N]", args)) return 2;
  std::vector<bench::Case> cases = {
      {"synthetic 64 GPUs tp8 pp4 dp2 m=16", false, [] { return synthetic(8, 4, 2, 16); }},
      {"synthetic 1024 GPUs tp8 pp8 dp16 m=64", true, [] { return synthetic(8, 8, 16, 64); }},
      // The same programs on lcperf's native engine (sim.engine); the activities are the
      // same 276,480.
      {"synthetic 64 GPUs tp8 pp4 dp2 m=16 (native)", false,
       [] { return synthetic(8, 4, 2, 16, core::SimEngine::native); }},
      {"synthetic 1024 GPUs tp8 pp8 dp16 m=64 (native)", true,
       [] { return synthetic(8, 8, 16, 64, core::SimEngine::native); }},
  };
  for (bench::Case& c : bench::training_cases()) cases.push_back(std::move(c));

  std::printf("lcperf simulator speed (one core, each case in its own process; medians of %d run%s)\n", repeat,
              repeat == 1 ? "" : "s");
  std::printf("%-48s %10s %10s %12s %14s %12s %8s %18s %8s %14s\n", "case", "wall_s", "in_sim_s", "activities",
              "activities/s", "sim_time_s", "cpu_s", "cpu_s min..max", "rss_MB", "activities/cpu_s");
  std::map<std::string, double> per_cpu_s;  // activities per CPU second, by case
  for (const bench::Case& c : cases) {
    if (!args.selects(c.name, c.heavy)) continue;
    if (args.in_process) {
      bench::report(c.name, c.run());
      break;  // SimGrid runs one simulation per process
    }
    Repeated r;
    for (int i = 0; i < repeat; ++i) {
      bench::ProcessUsage usage;
      r.runs.push_back(bench::in_child<bench::Measurement>(c.run, bench::Measurement{0, 0, 0, false, 0}, &usage));
      r.usage.push_back(usage);
    }
    per_cpu_s[c.name] = report_repeated(c.name, r);
  }
  // The two engines on the same programs, each case's medians from this run.
  for (const auto& [name, native] : per_cpu_s) {
    const auto twin = per_cpu_s.find(simgrid_twin(name));
    if (twin == per_cpu_s.end() || native <= 0 || twin->second <= 0) continue;
    std::printf("native engine / SimGrid, activities per CPU second: %.2fx on %s\n", native / twin->second,
                twin->first.c_str());
  }
  return 0;
}
