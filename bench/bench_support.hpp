#pragma once
// Helpers for benchmarks that must run each simulation in a fresh process.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace lcperf::bench {

struct Measurement {
  double wall_s = 0;          // the whole case: loading, planning, simulating, metrics
  std::uint64_t activities = 0;
  double simulated_s = 0;
  bool ok = true;
  double simulation_wall_s = 0;  // inside the simulator only (0 = same as wall_s)
};

// Runs `body` in a forked child and brings its measurement back through a pipe.
inline Measurement in_child(const std::function<Measurement()>& body) {
  int fds[2];
  if (pipe(fds) != 0) return {0, 0, 0, false, 0};
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Measurement m = body();
    const ssize_t written = write(fds[1], &m, sizeof m);
    _exit(written == static_cast<ssize_t>(sizeof m) ? 0 : 1);
  }
  close(fds[1]);
  Measurement m{0, 0, 0, false, 0};
  const ssize_t got = read(fds[0], &m, sizeof m);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != static_cast<ssize_t>(sizeof m) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) m.ok = false;
  return m;
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
