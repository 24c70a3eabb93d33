#include "runs/sweep_prune.hpp"

#include <cstdio>

#include "runs/training_run.hpp"
#include "runs/training_strategy.hpp"
#include "core/errors.hpp"
#include "core/units.hpp"

namespace lcperf::runs {

namespace {

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

// Maps a validation message (core/parallel_config.cpp's wording) to its rule.
const char* classify(const std::string& message) {
  if (contains(message, "does not divide the attention heads") || contains(message, "does not divide the KV heads")) {
    return kPruneTp;
  }
  if (contains(message, "pp*virtual_stages=") && contains(message, "layers")) return kPrunePp;
  if (contains(message, "do not fit the cluster")) return kPruneCluster;
  return kPruneOther;
}

// Override paths that do not exist surface as "--set '...': no key" or, for a new last
// component, as the strict parser's "unknown key": the sweep file is wrong, not the config.
bool is_sweep_file_error(const std::string& message) {
  return contains(message, ": --set '") || contains(message, "unknown key");
}

std::string gib(std::int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GiB", static_cast<double>(bytes) / kGiB);
  return text;
}

}  // namespace

const std::vector<std::int64_t>& SweepPruner::sequences(const core::Scenario& s) {
  // Sampling depends only on the workload and the seed; a fixed-length batch only on its
  // shape (the estimate counts its tokens, so every sequence is kept).
  const bool sampled = s.workload.kind == core::WorkloadKind::dataset;
  const std::string key = sampled
                              ? s.workload.dataset + "|" + std::to_string(s.seed) + "|" +
                                    std::to_string(s.workload.iteration) + "|" + std::to_string(s.workload.global_batch) +
                                    "|" + std::to_string(s.workload.context_length)
                              : "fixed|" + std::to_string(s.workload.seq_len) + "|" + std::to_string(s.parallel.dp) +
                                    "|" + std::to_string(s.parallel.num_micro_batches) + "|" +
                                    std::to_string(s.parallel.micro_batch_size);
  auto it = sampled_.find(key);
  if (it != sampled_.end()) return it->second;
  return sampled_.emplace(key, training_sequences(s)).first->second;
}

PruneVerdict SweepPruner::check(const SweepConfig& config) {
  PruneVerdict verdict;
  if (!config.derive_error.empty()) {
    verdict.reason = kPruneDerive;
    verdict.detail = config.derive_error;
    return verdict;
  }
  if (config.same_as != config.index) {
    verdict.reason = kPruneEquivalent;
    verdict.detail = "configuration " + std::to_string(config.same_as) + " (Megatron ignores chunk_size and k)";
    return verdict;
  }
  std::vector<core::Override> overrides = spec_.fixed;
  overrides.insert(overrides.end(), config.overrides.begin(), config.overrides.end());
  core::Scenario scenario;
  try {
    scenario = core::load_scenario_text(base_.text, spec_.base_path, overrides);
    scenario.source_path = spec_.base_path;
  } catch (const core::InputError& error) {
    const std::string message = error.what();
    if (is_sweep_file_error(message)) {
      throw core::InputError(spec_.source_path + ": $.axes: configuration " + config.key +
                             " does not apply to the base scenario: " + message);
    }
    verdict.reason = classify(message);
    verdict.detail = message;
    return verdict;
  }

  const int world = scenario.parallel.world_size();
  if ((spec_.gpu_rule == GpuRule::exact && world != spec_.gpus) ||
      (spec_.gpu_rule == GpuRule::at_most && world > spec_.gpus)) {
    verdict.reason = kPruneGpus;
    verdict.detail = "uses " + std::to_string(world) + " GPUs (constraint: " +
                     (spec_.gpu_rule == GpuRule::exact ? "exactly " : "at most ") + std::to_string(spec_.gpus) + ")";
    return verdict;
  }

  try {
    const std::vector<std::int64_t>& lengths = sequences(scenario);
    // The estimate plans every replica as the strategy's rank programs would (ChunkFlow's
    // dealing included), so it refuses what the strategy's layout check refuses.
    verdict.estimate = estimator_.estimate(scenario, lengths);
    if (spec_.memory_fit) {
      const std::int64_t bound = verdict.estimate->memory_lower_bound_bytes;
      verdict.memory_bound = bound;
      const auto hbm = static_cast<std::int64_t>(scenario.cluster.gpu.hbm_bytes);
      if (bound > hbm) {
        verdict.reason = kPruneMemory;
        verdict.detail = "lower bound " + gib(bound) + " > HBM " + gib(hbm);
        verdict.estimate.reset();
        return verdict;
      }
    }
  } catch (const core::InputError& error) {
    verdict.reason = kPruneOther;
    verdict.detail = error.what();
    return verdict;
  }
  verdict.scenario = std::move(scenario);
  return verdict;
}

}  // namespace lcperf::runs
