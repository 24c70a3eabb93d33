#pragma once
// The Megatron-LM baseline as a rank program: every micro-batch holds micro_batch_size
// sequences of the workload's seq_len, the pipeline follows a GPipe or 1F1B schedule,
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
// P2P tags: 2*micro_batch for activations, 2*micro_batch+1 for gradients.
#include <string>

#include "core/layer_ops.hpp"
#include "core/runtime.hpp"
#include "core/scenario.hpp"
#include "core/training_memory.hpp"

namespace lcperf::schedulers::training {

// Everything the rank program decides from the scenario, exposed for tests and reports.
struct MegatronPlan {
  core::ModelSpec model;
  core::ParallelConfig parallel;
  core::MicroBatchShape batch;  // one micro-batch (before CP splitting)
  std::string schedule;         // "gpipe" | "1f1b"
  core::Recompute recompute = core::Recompute::none;
  bool per_layer_ops = true;  // SimOptions::granularity "layer" (else "stage")
  core::ActivationModel activations;
  core::CommSpan span;
  int rank = 0;
};

// Throws core::InputError for what the baseline does not model (workload kinds other
// than fixed_length, interleaved schedules, unknown granularity or recompute).
MegatronPlan make_megatron_plan(const core::Scenario& scenario, int rank);

// Ranks that hold the same weights as `rank` (same TP and PP coordinates): the DP group,
// widened by the CP group because CP ranks see different tokens of the same model.
core::CommGroup gradient_group(const core::ParallelConfig& parallel, int rank);

// P2P tag of a micro-batch's activation (is_grad = false) or gradient message.
constexpr int p2p_tag(int micro_batch, bool is_grad) { return 2 * micro_batch + (is_grad ? 1 : 0); }

core::RankProgram make_megatron_rank_program(const MegatronPlan& plan);
core::RankProgram make_megatron_rank_program(const core::Scenario& scenario, int rank);

}  // namespace lcperf::schedulers::training
