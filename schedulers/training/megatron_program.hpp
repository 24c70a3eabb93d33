#pragma once
// The Megatron-LM baseline as a rank program: micro-batches of packed sequences (all of
// micro_batch_size x seq_len for fixed-length work), the pipeline follows a GPipe,
// 1F1B or interleaved 1F1B schedule (each rank holding virtual_stages model chunks),
// gradients are reduced over the data-parallel (x context-parallel) group and Adam
// steps. It talks to the device only through core::Runtime, so the same code runs in
// the simulator and live.
//
// Memory is allocated exactly as core/training_memory.hpp accounts it (tags weights,
// gradients, optimizer, activations, comm_buffer), so the tracked peak of a rank equals
// core::rank_memory(...).peak(). Order per step (this order is what the formula's
// transient term X describes):
//   forward j:  [not first stage] allocate the stage input (activations) and post its
//               recv; wait for and free earlier sends; wait the recv; launch the forward
//               (one KernelOp per layer, or one per stage), allocating each layer's
//               stored activations; [not last] allocate the output (comm_buffer), wait
//               for the compute, send it.
//   backward j: [not last] allocate the output gradient (comm_buffer), post its recv;
//               wait for and free earlier sends; wait the recv; allocate the recompute
//               workspace (one layer's regenerated activations, reused layer by layer);
//               launch recompute ("recompute") and backward ops in reverse; free the
//               micro-batch's activations and buffers; [not first] send the input
//               gradient (comm_buffer).
// Receives are posted before earlier sends are waited for, as Megatron's batched
// send/recv pairs do, so neighbouring stages cannot wait on each other in a cycle.
// P2P tags: see p2p_tag.
#include <memory>
#include <string>

#include "core/layer_ops.hpp"
#include "core/runtime.hpp"
#include "core/scenario.hpp"
#include "core/training_step.hpp"
#include "core/training_memory.hpp"
#include "schedulers/training/planned_memory.hpp"

namespace lcperf::schedulers::training {

// Everything the rank program decides from the scenario, exposed for tests and reports.
struct MegatronPlan {
  core::ModelSpec model;
  core::ParallelConfig parallel;
  core::MicroBatchShape batch;  // the first micro-batch (before CP splitting); all of them for fixed-length work
  std::vector<core::MicroBatchShape> micro_batches;  // this data-parallel replica's, in order
  core::PipelineSchedule schedule = core::PipelineSchedule::one_f_one_b;
  core::Recompute recompute = core::Recompute::none;
  bool per_layer_ops = true;  // SimOptions::granularity layer (else stage)
  core::ActivationModel activations;
  core::CommSpan span;
  int rank = 0;
  // strategy.recompute planner: the stage's memory plan and the activation budget
  // of one micro-batch (planned_memory.hpp); null otherwise.
  std::shared_ptr<const StagePlanner> planner;
  std::int64_t activation_budget = 0;
  // Gradient reduction, parameter gathering and fixed step work (scenario "training").
  core::TrainingStepSpec step;
  int world_nodes = 1;  // nodes the whole job spans (one-float all-reduces over every rank)
};

// Throws core::InputError for what the baseline does not model (workload kinds other
// than fixed_length and dataset, schedules that do not fit the parallel config, unknown
// granularity).
MegatronPlan make_megatron_plan(const core::Scenario& scenario, int rank);
// For dataset workloads: `global_batch` holds the sampled sequence lengths of the
// iteration; this rank's DP share is packed into micro-batches (a decision logged by the
// program).
MegatronPlan make_megatron_plan(const core::Scenario& scenario, int rank, const std::vector<std::int64_t>& global_batch);

// Ranks that hold the same weights as `rank` (same TP and PP coordinates): the DP group,
// widened by the CP group because CP ranks see different tokens of the same model.
core::CommGroup gradient_group(const core::ParallelConfig& parallel, int rank);

// P2P tag of the activation (is_grad = false) or gradient crossing boundary `boundary`
// (between virtual stages b and b+1) for a micro-batch; `boundaries` = virtual stages - 1.
constexpr int p2p_tag(int micro_batch, int boundary, int boundaries, bool is_grad) {
  return 2 * (micro_batch * (boundaries + 1) + boundary) + (is_grad ? 1 : 0);
}

core::RankProgram make_megatron_rank_program(const MegatronPlan& plan);
core::RankProgram make_megatron_rank_program(const core::Scenario& scenario, int rank);
core::RankProgram make_megatron_rank_program(const core::Scenario& scenario, int rank,
                                             const std::vector<std::int64_t>& global_batch);

}  // namespace lcperf::schedulers::training
