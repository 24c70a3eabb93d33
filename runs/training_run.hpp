#pragma once
// One simulated training iteration of a scenario: cost model from the device profile,
// the Megatron rank program per rank, the SimGrid simulation, metrics, and the
// closed-form expectations the result is compared with.
#include <functional>
#include <vector>

#include "core/ops.hpp"
#include "core/records.hpp"
#include "core/runtime.hpp"
#include "core/result.hpp"
#include "core/scenario.hpp"
#include "cost_models/op_cost.hpp"
#include "reports/summary_table.hpp"

namespace lcperf::runs {

struct TrainingRun {
  core::Scenario scenario;
  core::RunRecords records;
  core::TrainingResult result;  // wall_time_s filled
  std::vector<reports::ComparisonRow> comparison;
  int fold = 1;  // ranks per simulated actor (tensor-parallel folding)
  int data_parallel_fold = 1;  // replicas per simulated replica (runs/data_parallel_fold.hpp)
  double simulation_wall_s = 0;  // wall time inside the simulator alone (no setup, no metrics)
};

struct TrainingRunOptions {
  // Replaces the cost model's kernel pricing (tests use uniform costs to check closed forms).
  std::function<double(const core::KernelOp&)> kernel_time_s;
};

// Throws core::InputError for scenarios the tool cannot run, sim::DeadlockError when
// rank programs wait on each other forever, std::exception for internal failures.
TrainingRun run_training(const core::Scenario& scenario, const TrainingRunOptions& options = {});

// The iteration's sequence lengths: sampled from the dataset (seed, iteration) or the
// fixed-length batch.
std::vector<std::int64_t> training_sequences(const core::Scenario& scenario);

// The rank program the scenario's strategy runs on `rank`.
core::RankProgram rank_program(const core::Scenario& scenario, int rank, const std::vector<std::int64_t>& sequences);

// Model FLOPs of one iteration (forward + backward of every token, no recompute), the
// numerator of MFU.
double training_model_flops(const core::Scenario& scenario);
std::int64_t training_tokens(const core::Scenario& scenario);

// The cost model a scenario's simulation prices ops with: its cluster's hardware and
// sim.device_profile (an id, or a path; a relative path is tried against the
// scenario's folder first, like its model and cluster files).
cost::CostModel scenario_cost_model(const core::Scenario& scenario);

// Ranks per simulated actor for this scenario (sim.fold_tensor_parallel).
int tensor_parallel_fold(const core::Scenario& scenario);

}  // namespace lcperf::runs
