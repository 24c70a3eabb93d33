#include <chrono>
#include <string>

#include "bench/bench_support.hpp"
#include "runs/training_run.hpp"
#include "core/scenario.hpp"

namespace lcperf::bench {

namespace {

Measurement training_iteration(const std::string& scenario_file, const std::vector<core::Override>& overrides) {
  const core::Scenario s = core::load_scenario(scenario_file, overrides);
  const auto t0 = std::chrono::steady_clock::now();
  const runs::TrainingRun run = runs::run_training(s);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {wall, run.records.events_simulated, run.result.iteration_time_s, true, run.simulation_wall_s};
}

}  // namespace

std::vector<Case> training_cases() {
  const std::string dir = LCPERF_SOURCE_DIR "/scenarios/";
  const std::string smoke = dir + "smoke/llama3-8b-8xh200-1f1b.json";
  const std::string big = dir + "training/qwen2.5-72b-1024xh200.json";
  return std::vector<Case>{
      {"smoke llama3-8b 8 GPUs (layer ops)", false, [smoke] { return training_iteration(smoke, {}); }},
      // The target: Qwen2.5-72B, TP8 PP8 DP16 (1024 GPUs), 64 micro-batches.
      {"qwen2.5-72b 1024 GPUs (stage ops, TP folded)", false, [big] { return training_iteration(big, {}); }},
      {"qwen2.5-72b 1024 GPUs (layer ops, TP folded)", false,
       [big] { return training_iteration(big, {{"sim.granularity", "\"layer\""}}); }},
      // Issue 3's benchmark: one ChunkFlow iteration of Qwen2.5-72B at 256K, global batch 256.
      {"chunkflow qwen2.5-72b 256K gb256 32 GPUs", false,
       [dir] { return training_iteration(dir + "chunkflow/qwen2.5-72b-256k-chunkflow.json", {}); }},
      {"chunkflow qwen2.5-72b 256K gb256 (layer ops)", false,
       [dir] { return training_iteration(dir + "chunkflow/qwen2.5-72b-256k-chunkflow.json",
                                         {{"sim.granularity", "\"layer\""}}); }},
      // Issue 21's target: the Megatron-LM paper's 1T GPT on 3072 A100 (TP8 PP64 DP6, 512
      // micro-batches, full recompute).
      {"gpt-1t 3072 GPUs (stage ops)", false,
       [dir] { return training_iteration(dir + "training/gpt-1t-3072xa100.json", {}); }},
      {"gpt-1t 3072 GPUs (layer ops)", false,
       [dir] { return training_iteration(dir + "training/gpt-1t-3072xa100.json", {{"sim.granularity", "\"layer\""}}); }},
      // The same iterations on the native engine (sim.engine).
      {"gpt-1t 3072 GPUs (stage ops, native engine)", false,
       [dir] { return training_iteration(dir + "training/gpt-1t-3072xa100.json", {{"sim.engine", "\"native\""}}); }},
      {"qwen2.5-72b 1024 GPUs (stage ops, native engine)", false,
       [big] { return training_iteration(big, {{"sim.engine", "\"native\""}}); }},
      {"qwen2.5-72b 1024 GPUs (layer ops, native engine)", false,
       [big] { return training_iteration(big, {{"sim.granularity", "\"layer\""}, {"sim.engine", "\"native\""}}); }},
      // The same iterations with every data-parallel replica simulated (the before of
      // sim.fold_data_parallel).
      {"gpt-1t 3072 GPUs (stage ops, DP unfolded)", true,
       [dir] { return training_iteration(dir + "training/gpt-1t-3072xa100.json",
                                         {{"sim.fold_data_parallel", "\"off\""}}); }},
      {"qwen2.5-72b 1024 GPUs (stage ops, DP unfolded)", true,
       [big] { return training_iteration(big, {{"sim.fold_data_parallel", "\"off\""}}); }},
      {"qwen2.5-72b 1024 GPUs (layer ops, DP unfolded)", true,
       [big] { return training_iteration(big, {{"sim.granularity", "\"layer\""}, {"sim.fold_data_parallel", "\"off\""}}); }},
      {"qwen2.5-72b 1024 GPUs (stage ops, unfolded)", true,
       [big] { return training_iteration(big, {{"sim.fold_tensor_parallel", "\"off\""},
                                               {"sim.fold_data_parallel", "\"off\""}}); }},
  };
}

}  // namespace lcperf::bench
