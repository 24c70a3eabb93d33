#pragma once
#include <sys/wait.h>
#include <unistd.h>

// Small clusters with round numbers, so expected times can be computed by hand.
#include <functional>
#include <string>

#include "core/cluster_spec.hpp"
#include "sim/simulator.hpp"
#include "tests/support/child_process.hpp"

namespace lcperf::sim::testing {

using lcperf::testing::text_from_child;

inline core::ClusterSpec round_cluster(int nodes, int gpus_per_node) {
  core::ClusterSpec c;
  c.id = "test";
  c.nodes = nodes;
  c.gpus_per_node = gpus_per_node;
  c.nics_per_node = gpus_per_node;
  c.switch_latency_s = 1e-6;
  c.gpu.id = "testgpu";
  c.gpu.peak_bf16_flops = 1e15;
  c.gpu.hbm_bytes = 80e9;
  c.gpu.hbm_bandwidth_bytes_per_s = 4e12;
  c.gpu.nvlink_bandwidth_bytes_per_s = 400e9;
  c.gpu.nvlink_latency_s = 1e-6;
  c.gpu.pcie_bandwidth_bytes_per_s = 50e9;
  c.gpu.pcie_latency_s = 2e-6;
  c.gpu.nic_bandwidth_bytes_per_s = 50e9;
  c.gpu.nic_latency_s = 3e-6;
  return c;
}

// Kernel time = the op's FLOPs / 1e12 (so a GEMM with 2mnk = 1e9 takes 1 ms).
inline double flops_over_tera(const core::KernelOp& op) { return core::flops_of(op) / 1e12; }

inline core::KernelOp gemm_op(const std::string& name, double seconds) {
  // 2*m*n*k = seconds * 1e12 with n = k = 1000 -> m = seconds * 5e5
  core::KernelOp op;
  op.name = name;
  op.category = "forward";
  op.parts.push_back(core::GemmShape{static_cast<std::int64_t>(seconds * 5e5), 1000, 1000, 1, core::DType::bf16});
  return op;
}

inline SimulationInput input_for(const core::ClusterSpec& cluster, int ranks,
                                 std::function<void(core::Runtime&)> program) {
  SimulationInput in;
  in.cluster = cluster;
  in.ranks = ranks;
  in.program_for = [program](int) { return program; };
  in.kernel_price = priced_by(flops_over_tera);
  return in;
}

// Summary of a simulation run in a child process. SimGrid keeps one engine per
// process, so a test that compares two simulations runs (at least) one in a child.
struct ChildRun {
  double end_time_s = -1;
  std::uint64_t events = 0;
};

// Runs `body` in a forked child and brings back what it returns (trivially copyable);
// a default T when the child fails.
template <typename T>
T in_child(const std::function<T()>& body) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const T out = body();
    _exit(write(fds[1], &out, sizeof out) == static_cast<ssize_t>(sizeof out) ? 0 : 1);
  }
  close(fds[1]);
  T out{};
  if (read(fds[0], &out, sizeof out) != static_cast<ssize_t>(sizeof out)) out = {};
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return out;
}

inline ChildRun simulate_in_child(const std::function<core::RunRecords()>& body) {
  return in_child<ChildRun>([&body] {
    const core::RunRecords records = body();
    return ChildRun{records.end_time_s, records.events_simulated};
  });
}

}  // namespace lcperf::sim::testing
