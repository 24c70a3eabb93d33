// Serving replay speed: wall time to replay the whole Azure LLM inference conversation
// trace (19,366 requests, about an hour of arrivals) through one 8-GPU H200 instance
// serving Llama-3-8B at TP8, as a ratio to the simulated time; and the same figures for
// a smaller baseline configuration (the trace's first 3000 requests on the shipped
// Qwen2.5-7B TP4 scenario with one instance). Each replay runs in a forked child (one
// SimGrid engine per process); figures are printed, nothing is asserted. `speed` is
// simulated time over the replay's wall time; `cpu_speed` is simulated time over the
// child's whole CPU time (process start and trace loading included), the figure to
// compare on a loaded machine, where wall time mostly measures the wait for a core.
//
//   build/bench/replay_speed [--quick] [--inline --case SUBSTRING]
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "bench/bench_support.hpp"
#include "runs/serving_run.hpp"
#include "core/scenario.hpp"
#include "core/units.hpp"

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
  // Whole-trace replays are what this benchmark measures: no simulation budget.
  overrides.push_back({"sim.max_events", "0"});
  overrides.push_back({"sim.max_wall_s", "0"});
  const runs::ServingRun run = runs::run_serving(core::load_scenario(kScenario, overrides));
  ReplayFigures f;
  f.ok = true;
  f.wall_s = run.wall_s;
  f.simulated_s = run.simulated_s;
  f.requests = static_cast<double>(run.requests);
  f.events = static_cast<double>(run.records.events_simulated);
  return f;
}

// Runs the replay in a child; its peak RSS and CPU time come from the kernel's accounting of it.
ReplayFigures replay_in_child(const ReplayCase& c) {
  bench::ProcessUsage usage;
  const std::function<ReplayFigures()> body = [&c] {
    try {
      return replay(c);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", c.name.c_str(), e.what());
      return ReplayFigures{};
    }
  };
  ReplayFigures f = bench::in_child<ReplayFigures>(body, ReplayFigures{}, &usage);
  f.peak_rss_bytes = usage.peak_rss_bytes;
  f.cpu_s = usage.cpu_s;
  return f;
}

void print(const ReplayCase& c, const ReplayFigures& f) {
  if (!f.ok) {
    std::printf("%-44s FAILED\n", c.name.c_str());
    return;
  }
  std::printf("%-44s %8.0f %9.3f %10.1f %9.0fx %10.0f %12.0f %9.0f %8.2f %9.0fx\n", c.name.c_str(), f.requests,
              f.wall_s, f.simulated_s, f.simulated_s / f.wall_s, f.events, f.events / f.wall_s, f.peak_rss_bytes / kMiB,
              f.cpu_s, f.simulated_s / f.cpu_s);
}

}  // namespace

int main(int argc, char** argv) {
  bench::BenchArgs args;
  if (!bench::parse_bench_args(argc, argv, "replay_speed", args)) return 2;
  const std::vector<ReplayCase> cases = {
      {"baseline: qwen2.5-7b tp4, first 3000 requests", false,
       {"workload.max_requests=3000", "serving.instances=1"}},
      {"full azure-conv trace: llama3-8b tp8 (8 H200)", true,
       {"model=llama3-8b", "parallel.tp=8", "workload.max_requests=0", "serving.instances=1"}},
  };
  std::printf("lcperf serving replay speed (one core, each replay in its own process)\n");
  std::printf("%-44s %8s %9s %10s %10s %10s %12s %9s %8s %10s\n", "case", "requests", "wall_s", "sim_s", "speed", "events",
              "events/s", "rss_MiB", "cpu_s", "cpu_speed");
  for (const ReplayCase& c : cases) {
    if (!args.selects(c.name, c.heavy)) continue;
    if (args.in_process) {
      ReplayFigures f = replay(c);
      const bench::ProcessUsage usage = bench::own_usage();
      f.peak_rss_bytes = usage.peak_rss_bytes;
      f.cpu_s = usage.cpu_s;
      print(c, f);
      break;  // SimGrid runs one simulation per process
    }
    print(c, replay_in_child(c));
  }
  return 0;
}
