#pragma once
// Closed-form memory of one training rank (bytes), in the same terms the Megatron rank
// program allocates through the seam, so a run's tracked peak can be checked against it.
//
// Model states (bf16 mixed precision with Adam, Megatron's accounting):
//   weights    2 B/param (bf16)
//   gradients  4 B/param (fp32 main grads)
//   optimizer 12 B/param (fp32 master, Adam m and v), divided by dp*cp (rounded up) with
//              the distributed optimizer, whose shard group is data-parallel x context-
//              parallel in Megatron (CP ranks hold the same weights).
//
// Activations stored per layer and micro-batch: Korthikanti et al. 2022, generalised
// term by term so it reduces to sbh(34 + 5as/h) for the paper's model (GeLU MLP of 4h,
// multi-head attention, dropout). With T tokens on the rank, T_r the tokens on the
// residual stream (T/tp with SP, else T), e the element size:
//   residual-stream terms  e*T_r*h * (2 norm inputs + QKV input + MLP-up input = 4)
//                          + (dropout ? 2*T_r*h : 0)            (two 1-byte masks)
//   TP-sharded terms       e*T*(q + k + v) + e*T*q (out-proj input)
//                          + e*T*up (activation input, up = 2F/tp gated, F/tp plain)
//                          + e*T*F/tp (down-proj input)
//   attention core         FlashAttention (default): the fp32 log-sum-exp, 4*T*heads_q;
//                          materialised: (dropout ? 5 : 2)*heads_q*sum(q_len*kv_len)
//                          (softmax output, and with dropout its mask and output).
// Selective recompute drops the attention-core term; full recompute keeps only the
// layer input (e*T_r*h). We default to FlashAttention because no long-context run
// materialises the score matrix, and to no dropout (Llama/Qwen recipes set it to 0).
//
// Stage extras per micro-batch: first stage, the embedding dropout mask when dropout
// is on; last stage, the final-norm and LM-head inputs (2*e*T_r*h) and fp32 logits
// kept for the cross-entropy backward (4*T*vocab/tp).
//
// Peak per rank = model states + N*S + X, where S is the activation bytes of one
// micro-batch on the stage, N the micro-batches in flight (1F1B: min(m, p-s); GPipe: m)
// and X the transient buffers at the worst moment of the rank program's order:
// R = one layer's recomputed activations during its backward, B = one stage-boundary
// tensor (e*T_r*h) for the outgoing activation and the incoming gradient. A stage that
// sends forward holds X = B + max(B, R) (the sent activation and the gradient receive
// buffer overlap at the forward-to-backward turn, then the gradient buffer and R do);
// the last stage (and pp = 1) holds X = R.
#include <cstdint>
#include <string_view>

#include "core/layer_ops.hpp"
#include "core/scenario_options.hpp"

namespace lcperf::core {

struct ActivationModel {
  bool flash_attention = true;
  bool dropout = false;
};

// What a model's layer kernels store (core/layer_kernels.hpp): the score matrix unless
// attention is fused; dropout masks when either dropout is on.
inline ActivationModel activation_model_of(const LayerKernels& kernels) {
  return {kernels.attention != AttentionImpl::unfused, kernels.attention_dropout > 0 || kernels.hidden_dropout > 0};
}

inline constexpr std::int64_t kWeightBytesPerParam = 2;
inline constexpr std::int64_t kGradBytesPerParam = 4;
inline constexpr std::int64_t kOptimizerBytesPerParam = 12;

// Model-state bytes of a rank holding `params` parameters.
std::int64_t weight_bytes(std::int64_t params);
std::int64_t gradient_bytes(std::int64_t params);
std::int64_t optimizer_bytes(std::int64_t params, const ParallelConfig& parallel);
// Parameters whose Adam state this rank updates (its shard with the distributed optimizer).
std::int64_t optimizer_params(std::int64_t params, const ParallelConfig& parallel);

// The attention-core part of a layer's stored activations (what selective recompute drops).
std::int64_t attention_core_activation_bytes(const ModelSpec& model, const ParallelConfig& parallel,
                                             const MicroBatchShape& batch, const ActivationModel& am = {});
// Stored activations of one layer for one micro-batch.
std::int64_t layer_activation_bytes(const ModelSpec& model, const ParallelConfig& parallel,
                                    const MicroBatchShape& batch, Recompute recompute, const ActivationModel& am = {});
// What a layer's backward regenerates and holds while it runs: layer(none) - layer(recompute).
std::int64_t recompute_transient_bytes(const ModelSpec& model, const ParallelConfig& parallel,
                                       const MicroBatchShape& batch, Recompute recompute,
                                       const ActivationModel& am = {});
// The tensor passed between pipeline stages (activation forward, gradient backward):
// bf16 [T_r, hidden]. It is also the stored input of the stage's first layer.
std::int64_t stage_boundary_bytes(const ModelSpec& model, const ParallelConfig& parallel, const MicroBatchShape& batch);
// Embedding (first stage) and output-layer (last stage) activations of one micro-batch.
std::int64_t stage_extra_activation_bytes(const ModelSpec& model, const ParallelConfig& parallel,
                                          const MicroBatchShape& batch, int pp_stage, const ActivationModel& am = {});
// S: all activations one micro-batch leaves on the stage until its backward.
std::int64_t micro_batch_activation_bytes(const ModelSpec& model, const ParallelConfig& parallel,
                                          const MicroBatchShape& batch, int pp_stage, Recompute recompute,
                                          const ActivationModel& am = {});

// Most micro-batches whose activations a stage holds at once under a schedule
// ("gpipe": m; "1f1b": min(m, p - stage)). Throws InputError for schedules not modelled
// (interleaved 1F1B is not yet).
int max_in_flight_micro_batches(PipelineSchedule schedule, int pp, int pp_stage, int micro_batches);
// The same with the schedule by name, as scenario files spell it (unknown names throw too).
int max_in_flight_micro_batches(std::string_view schedule, int pp, int pp_stage, int micro_batches);

struct RankMemory {
  std::int64_t params = 0;
  std::int64_t weights = 0;
  std::int64_t gradients = 0;
  std::int64_t optimizer = 0;
  std::int64_t activations_per_micro_batch = 0;  // S
  int in_flight = 0;                             // N
  std::int64_t boundary = 0;                     // B
  std::int64_t recompute_transient = 0;          // R
  std::int64_t transient = 0;                    // X (see header comment)

  std::int64_t model_states() const { return weights + gradients + optimizer; }
  std::int64_t activations_peak() const { return in_flight * activations_per_micro_batch; }
  std::int64_t peak() const { return model_states() + activations_peak() + transient; }
};

// Memory of a rank on pipeline stage `pp_stage` running `parallel.num_micro_batches`
// micro-batches of shape `batch` under `schedule`.
RankMemory rank_memory(const ModelSpec& model, const ParallelConfig& parallel, const MicroBatchShape& batch,
                       PipelineSchedule schedule, Recompute recompute, int pp_stage, const ActivationModel& am = {});

}  // namespace lcperf::core
