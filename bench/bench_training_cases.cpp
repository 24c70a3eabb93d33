#include <chrono>
#include <string>

#include "bench/bench_support.hpp"
#include "cli/training_run.hpp"
#include "core/scenario.hpp"

namespace lcperf::bench {

namespace {

Measurement training_iteration(const std::string& scenario_file, const std::vector<core::Override>& overrides) {
  const core::Scenario s = core::load_scenario(scenario_file, overrides);
  const auto t0 = std::chrono::steady_clock::now();
  const cli::TrainingRun run = cli::run_training(s);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {wall, run.records.events_simulated, run.result.iteration_time_s};
}

}  // namespace

// The target case: Qwen2.5-72B, TP8 PP8 DP16 (1024 GPUs), 64 micro-batches.
void run_registered_cases(bool quick) {
  const std::string dir = LCPERF_SOURCE_DIR "/scenarios/";
  report("smoke llama3-8b 8 GPUs (layer ops)", in_child([&] {
           return training_iteration(dir + "smoke/llama3-8b-8xh200-1f1b.json", {});
         }));
  report("qwen2.5-72b 1024 GPUs (stage ops, TP folded)", in_child([&] {
           return training_iteration(dir + "training/qwen2.5-72b-1024xh200.json", {});
         }));
  if (quick) return;
  report("qwen2.5-72b 1024 GPUs (layer ops, TP folded)", in_child([&] {
           return training_iteration(dir + "training/qwen2.5-72b-1024xh200.json", {{"sim.granularity", "\"layer\""}});
         }));
  report("qwen2.5-72b 1024 GPUs (stage ops, unfolded)", in_child([&] {
           return training_iteration(dir + "training/qwen2.5-72b-1024xh200.json",
                                     {{"sim.fold_tensor_parallel", "\"off\""}});
         }));
}

}  // namespace lcperf::bench
