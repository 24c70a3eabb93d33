#pragma once
// The operator graph of one micro-batch's training step on one pipeline stage (forward
// of every layer, then backward in reverse), sized in bytes as polynomials in
//   S  tokens per sequence,   B  sequences per micro-batch (tokens T = B*S),
// with the model and parallel constants (hidden, heads, FFN width, vocabulary, tp)
// plugged in as numbers. Tensors and their sizes follow core/training_memory.hpp term by
// term, so the bytes a layer leaves stored for its backward equal
// core::layer_activation_bytes (Korthikanti et al. 2022 generalised), and op FLOPs follow
// core/layer_ops.hpp's parts (core::flops_of), so recompute costs agree with the
// simulator's pricing.
//
// Per layer, forward: norm1 -> [SP all-gather] -> QKV (+rope) -> attention core -> out-proj
// -> [TP reduce] -> dropout+residual add -> norm2 -> [SP all-gather] -> up -> activation
// -> down -> [TP reduce] -> dropout+residual add. Backward mirrors it; with SP the sharded
// GEMM inputs are re-gathered for the weight gradients (as Megatron does).
// Recompute (Megatron's --recompute-granularity): selective regenerates the attention
// core at the start of the layer's backward; full regenerates the whole layer from its
// stored input. Collectives (and the vocab-parallel cross-entropy, which all-reduces)
// are marked not recomputable.
//
// Tensor groups: "L<i>" for what layer i stores (its input included), "L<i>.rc" for its
// regenerated tensors, "embedding" and "head" for stage extras, "grad" for gradients,
// "loss" for the per-token loss (a graph output), "stage_out" for a non-last stage's
// outgoing activation. Limits: context parallelism (cp > 1) is not modelled; with SP the
// shards are exact only when tp divides T (Megatron requires it).
#include <string>

#include "core/layer_ops.hpp"
#include "core/model_spec.hpp"
#include "core/parallel_config.hpp"
#include "core/training_memory.hpp"
#include "schedulers/memory/op_graph.hpp"

namespace lcperf::schedulers::memory {

inline constexpr const char* kSeqSymbol = "S";
inline constexpr const char* kBatchSymbol = "B";

struct TrainingGraphOptions {
  int layers = -1;          // layers on the stage; -1: model.layers / parallel.pp
  bool first_stage = true;  // embedding lookup (else the input arrives from the previous stage)
  bool last_stage = true;   // final norm, LM head, loss (else the output goes to the next stage)
  core::Recompute recompute = core::Recompute::none;
  core::ActivationModel activation{};
};

// Throws std::invalid_argument for cp > 1 or a shard that does not divide exactly.
OpGraph build_training_graph(const core::ModelSpec& model, const core::ParallelConfig& parallel,
                             const TrainingGraphOptions& options = {});

std::string layer_group(int layer);  // "L<layer>"
Box training_box(Range seq, Range batch);
Binding training_shape(std::int64_t seq, std::int64_t batch);

}  // namespace lcperf::schedulers::memory
