// Serving replay speed: wall time to replay the whole Azure LLM inference conversation
// trace (19,366 requests, about an hour of arrivals) through one 8-GPU H200 instance
// serving Llama-3-8B at TP8, as a ratio to the simulated time; and the same figures for
// a smaller baseline configuration (the trace's first 3000 requests on the shipped
// Qwen2.5-7B TP4 scenario with one instance). Each replay runs in a forked child (one
// SimGrid engine per process); figures are printed, nothing is asserted.
//
//   build/bench/replay_speed [--quick] [--inline --case SUBSTRING]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "cli/serving_run.hpp"
#include "core/scenario.hpp"

namespace {

using namespace lcperf;

const std::string kScenario = LCPERF_SOURCE_DIR "/scenarios/serving/qwen2.5-7b-h200-azure-conv.json";

struct ReplayFigures {
  bool ok = false;
  double wall_s = 0;       // run_serving: trace loading, routing, simulation, metrics
  double simulated_s = 0;  // simulated time of the replay
  double requests = 0;
  double events = 0;
  double peak_rss_bytes = 0;
  double cpu_s = 0;  // user + system CPU of the whole child (a fairer figure on a loaded machine)
};

struct ReplayCase {
  std::string name;
  bool heavy = false;  // skipped by --quick
  std::vector<std::string> overrides;
};

ReplayFigures replay(const ReplayCase& c) {
  std::vector<core::Override> overrides;
  for (const std::string& text : c.overrides) overrides.push_back(core::parse_override(text));
  const cli::ServingRun run = cli::run_serving(core::load_scenario(kScenario, overrides));
  ReplayFigures f;
  f.ok = true;
  f.wall_s = run.wall_s;
  f.simulated_s = run.simulated_s;
  f.requests = static_cast<double>(run.requests);
  f.events = static_cast<double>(run.records.events_simulated);
  return f;
}

// Runs the replay in a child; its peak RSS comes from the kernel's accounting of it.
ReplayFigures in_child(const ReplayCase& c) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    ReplayFigures f;
    try {
      f = replay(c);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", c.name.c_str(), e.what());
    }
    _exit(write(fds[1], &f, sizeof f) == static_cast<ssize_t>(sizeof f) ? 0 : 1);
  }
  close(fds[1]);
  ReplayFigures f;
  if (read(fds[0], &f, sizeof f) != static_cast<ssize_t>(sizeof f)) f = {};
  close(fds[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  f.peak_rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;
  f.cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
            1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) f.ok = false;
  return f;
}

void print(const ReplayCase& c, const ReplayFigures& f) {
  if (!f.ok) {
    std::printf("%-44s FAILED\n", c.name.c_str());
    return;
  }
  std::printf("%-44s %8.0f %9.3f %10.1f %9.0fx %10.0f %12.0f %9.0f %8.2f\n", c.name.c_str(), f.requests, f.wall_s,
              f.simulated_s, f.simulated_s / f.wall_s, f.events, f.events / f.wall_s, f.peak_rss_bytes / 1048576.0,
              f.cpu_s);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  bool in_process = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--inline") {
      in_process = true;  // for profilers; select a single case with --case
    } else if (arg == "--case" && i + 1 < argc) {
      only = argv[++i];
    } else {
      std::fprintf(stderr, "usage: replay_speed [--quick] [--case SUBSTRING] [--inline]\n");
      return 2;
    }
  }
  const std::vector<ReplayCase> cases = {
      {"baseline: qwen2.5-7b tp4, first 3000 requests", false,
       {"workload.max_requests=3000", "serving.instances=1"}},
      {"full azure-conv trace: llama3-8b tp8 (8 H200)", true,
       {"model=llama3-8b", "parallel.tp=8", "workload.max_requests=0", "serving.instances=1"}},
  };
  std::printf("lcperf serving replay speed (one core, each replay in its own process)\n");
  std::printf("%-44s %8s %9s %10s %10s %10s %12s %9s %8s\n", "case", "requests", "wall_s", "sim_s", "speed", "events",
              "events/s", "rss_MiB", "cpu_s");
  for (const ReplayCase& c : cases) {
    if (quick && c.heavy) continue;
    if (!only.empty() && c.name.find(only) == std::string::npos) continue;
    if (in_process) {
      ReplayFigures f = replay(c);
      rusage usage{};
      getrusage(RUSAGE_SELF, &usage);
      f.peak_rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;
      f.cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
      print(c, f);
      break;  // SimGrid runs one simulation per process
    }
    print(c, in_child(c));
  }
  return 0;
}
