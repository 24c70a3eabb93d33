#pragma once
// Helpers for benchmarks that must run each simulation in a fresh process.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "core/cluster_spec.hpp"

namespace lcperf::bench {

// Nodes of 8 H200-like GPUs (NVLink, PCIe, one 50 GB/s NIC each): the platform the
// simulator and engine speed cases run on.
inline core::ClusterSpec h200_like(int nodes) {
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

struct Measurement {
  double wall_s = 0;          // the whole case: loading, planning, simulating, metrics
  std::uint64_t activities = 0;
  double simulated_s = 0;
  bool ok = true;
  double simulation_wall_s = 0;  // inside the simulator only (0 = same as wall_s)
};

// What the kernel accounted to a process: peak resident memory and CPU time.
struct ProcessUsage {
  double peak_rss_bytes = 0;
  double cpu_s = 0;
};

inline ProcessUsage usage_of(const rusage& u) {
  return {static_cast<double>(u.ru_maxrss) * 1024.0,
          static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
              1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec)};
}

// This process's usage so far (for --inline runs).
inline ProcessUsage own_usage() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return usage_of(u);
}

// Runs `body` in a forked child (SimGrid allows one simulation per process) and brings
// its figures back through a pipe; `usage`, when given, gets the child's. A child that
// fails or writes short figures gives `failed`. T must be trivially copyable.
template <typename T>
T in_child(const std::function<T()>& body, const T& failed, ProcessUsage* usage = nullptr) {
  int fds[2];
  if (pipe(fds) != 0) return failed;
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const T figures = body();
    const ssize_t written = write(fds[1], &figures, sizeof figures);
    _exit(written == static_cast<ssize_t>(sizeof figures) ? 0 : 1);
  }
  close(fds[1]);
  T figures = failed;
  const ssize_t got = read(fds[0], &figures, sizeof figures);
  close(fds[0]);
  int status = 0;
  rusage u{};
  wait4(pid, &status, 0, &u);
  if (usage != nullptr) *usage = usage_of(u);
  if (got != static_cast<ssize_t>(sizeof figures) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return failed;
  return figures;
}

inline Measurement in_child(const std::function<Measurement()>& body) {
  return in_child<Measurement>(body, Measurement{0, 0, 0, false, 0});
}

// The options every speed benchmark takes: --quick (skip heavy cases), --case SUBSTRING
// (only matching cases), --inline (run the first selected case in this process, for
// profilers). Returns false, after printing the usage, on anything else.
struct BenchArgs {
  bool quick = false;
  bool in_process = false;
  std::string only;
  bool selects(const std::string& name, bool heavy) const {
    return !(quick && heavy) && (only.empty() || name.find(only) != std::string::npos);
  }
};

inline bool parse_bench_args(int argc, char** argv, const char* program, BenchArgs& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      args.quick = true;
    } else if (arg == "--inline") {
      args.in_process = true;
    } else if (arg == "--case" && i + 1 < argc) {
      args.only = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--case SUBSTRING] [--inline]\n", program);
      return false;
    }
  }
  return true;
}

inline void report(const std::string& name, const Measurement& m) {
  if (!m.ok) {
    std::printf("%-48s FAILED\n", name.c_str());
    return;
  }
  const double sim_wall = m.simulation_wall_s > 0 ? m.simulation_wall_s : m.wall_s;
  std::printf("%-48s %10.3f %10.3f %12llu %14.0f %12.4f\n", name.c_str(), m.wall_s, sim_wall,
              static_cast<unsigned long long>(m.activities), m.activities / sim_wall, m.simulated_s);
}

struct Case {
  std::string name;
  bool heavy = false;  // skipped by --quick
  std::function<Measurement()> run;
};

// Cases that simulate whole scenarios through the training scheduler.
std::vector<Case> training_cases();

}  // namespace lcperf::bench
