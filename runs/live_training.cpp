#include "runs/live_training.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "backends/cpu/cpu_runtime.hpp"
#include "backends/cuda/cuda_runtime.hpp"
#include "kernels/speed_probe.hpp"
#include "runs/training_run.hpp"

namespace lcperf::runs {

double cpu_share(const backends::LiveResult& run) {
  return run.kernel_wall_s > 0 ? run.kernel_cpu_s / run.kernel_wall_s : 1.0;
}

LiveRuns run_live_iterations(const core::Scenario& scenario, int runs, bool on_cuda) {
  const std::vector<std::int64_t> sequences = training_sequences(scenario);
  const int ranks = scenario.parallel.world_size();
  std::vector<core::RankProgram> programs;
  for (int r = 0; r < ranks; ++r) programs.push_back(rank_program(scenario, r, sequences));
  backends::LiveInput in;
  in.ranks = ranks;
  in.program_for = [&programs](int rank) { return programs[static_cast<std::size_t>(rank)]; };
  in.memory_capacity_bytes = static_cast<std::int64_t>(scenario.cluster.gpu.hbm_bytes);
  for (int r = 0; r < ranks; ++r) in.node_of_rank.push_back(scenario.cluster.node_of(r));
  LiveRuns out;
  // Run 0 is an untimed warm-up: it grows and faults in the kernels' scratch buffers
  // (kept for later runs, op_executor.cpp), which a simulated iteration has no notion of.
  // Preempted runs are retaken while attempts remain to still make `runs` runs.
  const int attempts = 2 * runs;
  // The host's speed around each CPU run, probed on as many threads as ranks share cores.
  const int probe_threads =
      static_cast<int>(std::min<unsigned>(static_cast<unsigned>(ranks), std::max(1u, std::thread::hardware_concurrency())));
  // One probe between two runs serves as the first's "after" and the next's "before".
  auto probe = [&] { return on_cuda ? 0.0 : kernels::host_speed_probe_s(probe_threads); };
  double before = 0;
  for (int i = 0; i <= attempts && static_cast<int>(out.kept.size()) < runs; ++i) {
    try {
      backends::LiveResult result = on_cuda ? backends::cuda::run_live_cuda(in) : backends::cpu::run_live(in);
      const double after = probe();
      const double around = 0.5 * (before + after);
      before = after;
      if (i == 0) continue;
      const int still_needed = runs - static_cast<int>(out.kept.size());
      if (!on_cuda && retake_live_run(cpu_share(result), attempts - i, still_needed)) {
        out.set_aside.push_back({result.records.end_time_s, cpu_share(result)});
      } else {
        out.kept.push_back(std::move(result));
        out.probe_s.push_back(around);
      }
    } catch (const backends::LiveDeadlockError& e) {
      throw std::runtime_error(std::string("the live rank programs deadlocked\n") + e.what());
    }
  }
  return out;
}

}  // namespace lcperf::runs
