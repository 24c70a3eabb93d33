#pragma once
// Pruning before simulation: every configuration is loaded and validated like
// `lcperf simulate --set ...` would, then checked against the sweep's GPU-count and
// memory constraints. A pruned configuration gets one reason; the reasons are counted
// in pruned.json. A survivor gets the analytic estimate (runs/sweep_estimate.hpp), whose
// memory lower bound is the one the memory constraint compares with HBM. Nothing here
// simulates, so it runs in the parent process.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runs/sweep_configs.hpp"
#include "runs/sweep_estimate.hpp"
#include "runs/sweep_spec.hpp"
#include "core/scenario.hpp"

namespace lcperf::runs {

// The reasons, in the order they are checked.
inline constexpr const char* kPruneDerive = "gpus not divisible by tp*pp*cp";
inline constexpr const char* kPruneEquivalent = "same simulation as an earlier configuration";
inline constexpr const char* kPruneTp = "tp does not divide heads";
inline constexpr const char* kPrunePp = "pp does not divide layers";
inline constexpr const char* kPruneCluster = "cluster too small";
inline constexpr const char* kPruneOther = "other invalid";
inline constexpr const char* kPruneGpus = "gpu count constraint";
inline constexpr const char* kPruneMemory = "memory bound exceeds HBM";

struct PruneVerdict {
  std::optional<core::Scenario> scenario;  // loaded and kept: the configuration survives
  std::string reason;                      // one of the kPrune* names when pruned
  std::string detail;                      // the validation message or the numbers compared
  std::int64_t memory_bound = -1;          // the analytical lower bound when "memory": "fit" (bytes)
  // The analytic tier's estimate of a survivor (its memory is the bound above).
  std::optional<ConfigurationEstimate> estimate;
};

class SweepPruner {
 public:
  SweepPruner(const SweepSpec& spec, const SweepBase& base) : spec_(spec), base_(base) {}

  // Throws InputError when the failure lies in the sweep file itself (an axis path that
  // names no field): every configuration would fail alike, so none is worth pruning.
  PruneVerdict check(const SweepConfig& config);

 private:
  const std::vector<std::int64_t>& sequences(const core::Scenario& scenario);

  const SweepSpec& spec_;
  const SweepBase& base_;
  std::map<std::string, std::vector<std::int64_t>> sampled_;  // dataset batches, sampled once
  ConfigurationEstimator estimator_;                          // prices every survivor, bounds its memory
};

}  // namespace lcperf::runs
