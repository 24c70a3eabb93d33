// Simulator speed: activities simulated per wall second, and wall time of one training
// iteration of a 1024-GPU configuration. Each measurement runs in a forked child (one
// SimGrid engine per process); figures are printed, nothing is asserted.
//
//   build/bench/sim_speed [--quick]
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

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

core::ClusterSpec h200_like(int nodes) {
  core::ClusterSpec c;
  c.nodes = nodes;
  c.gpus_per_node = 8;
  c.nics_per_node = 8;
  c.gpu.hbm_bytes = 141e9;
  c.gpu.nvlink_bandwidth_bytes_per_s = 450e9;
  c.gpu.nvlink_latency_s = 1e-6;
  c.gpu.pcie_bandwidth_bytes_per_s = 55e9;
  c.gpu.pcie_latency_s = 2e-6;
  c.gpu.nic_bandwidth_bytes_per_s = 50e9;
  c.gpu.nic_latency_s = 2e-6;
  return c;
}

bench::Measurement synthetic(int tp, int pp, int dp, int m) {
  core::ParallelConfig pc;
  pc.tp = tp;
  pc.pp = pp;
  pc.dp = dp;
  pc.num_micro_batches = m;
  sim::SimulationInput in;
  in.cluster = h200_like((pc.world_size() + 7) / 8);
  in.ranks = pc.world_size();
  in.program_for = [pc](int r) { return synthetic_pipeline(pc, r); };
  in.kernel_price = sim::priced_by([](const core::KernelOp& op) { return core::flops_of(op) / 700e12; });
  const auto t0 = std::chrono::steady_clock::now();
  core::RunRecords records = sim::simulate(in);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {wall, records.events_simulated, records.end_time_s, true, wall};
}

}  // namespace

int main(int argc, char** argv) {
  bench::BenchArgs args;
  if (!bench::parse_bench_args(argc, argv, "sim_speed", args)) return 2;
  std::vector<bench::Case> cases = {
      {"synthetic 64 GPUs tp8 pp4 dp2 m=16", false, [] { return synthetic(8, 4, 2, 16); }},
      {"synthetic 1024 GPUs tp8 pp8 dp16 m=64", true, [] { return synthetic(8, 8, 16, 64); }},
  };
  for (bench::Case& c : bench::training_cases()) cases.push_back(std::move(c));

  std::printf("lcperf simulator speed (one core, each case in its own process)\n");
  std::printf("%-48s %10s %10s %12s %14s %12s\n", "case", "wall_s", "in_sim_s", "activities", "activities/s",
              "sim_time_s");
  for (const bench::Case& c : cases) {
    if (!args.selects(c.name, c.heavy)) continue;
    bench::report(c.name, args.in_process ? c.run() : bench::in_child(c.run));
    if (args.in_process) break;  // SimGrid runs one simulation per process
  }
  return 0;
}
