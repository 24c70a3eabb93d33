#include "core/training_memory.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "core/errors.hpp"

namespace lcperf::core {

namespace {

std::int64_t shard_ranks(const ParallelConfig& parallel) {
  return parallel.distributed_optimizer ? static_cast<std::int64_t>(parallel.dp) * parallel.cp : 1;
}

}  // namespace

std::int64_t weight_bytes(std::int64_t params) { return kWeightBytesPerParam * params; }
std::int64_t gradient_bytes(std::int64_t params) { return kGradBytesPerParam * params; }

std::int64_t optimizer_params(std::int64_t params, const ParallelConfig& parallel) {
  const std::int64_t ranks = shard_ranks(parallel);
  return (params + ranks - 1) / ranks;
}

std::int64_t optimizer_bytes(std::int64_t params, const ParallelConfig& parallel) {
  return kOptimizerBytesPerParam * optimizer_params(params, parallel);
}

std::int64_t attention_core_activation_bytes(const ModelSpec& model, const ParallelConfig& parallel,
                                             const MicroBatchShape& batch, const ActivationModel& am) {
  const LocalDims d = local_dims(model, parallel, batch);
  if (am.flash_attention) return 4 * d.tokens * d.heads_q;  // fp32 log-sum-exp per query and head
  const AttentionShape attention = layer_attention_shape(model, parallel, batch);
  std::int64_t scores = 0;  // the stored score block is the full q x kv rectangle per sequence
  for (const AttentionSeq& s : attention.seqs) scores += s.q_len * s.kv_len;
  const std::int64_t bytes_per_score = am.dropout ? 5 : 2;  // bf16 softmax (+ 1-byte mask + bf16 output)
  return bytes_per_score * d.heads_q * scores;
}

std::int64_t stage_boundary_bytes(const ModelSpec& model, const ParallelConfig& parallel,
                                  const MicroBatchShape& batch) {
  const LocalDims d = local_dims(model, parallel, batch);
  return dtype_bytes(model.dtype) * d.seq_tokens * model.hidden;
}

std::int64_t layer_activation_bytes(const ModelSpec& model, const ParallelConfig& parallel,
                                    const MicroBatchShape& batch, Recompute recompute, const ActivationModel& am) {
  const std::int64_t input = stage_boundary_bytes(model, parallel, batch);
  if (recompute == Recompute::full) return input;
  const LocalDims d = local_dims(model, parallel, batch);
  const std::int64_t e = dtype_bytes(model.dtype);
  const std::int64_t q = static_cast<std::int64_t>(d.heads_q) * model.head_dim;
  const std::int64_t kv = static_cast<std::int64_t>(d.heads_kv) * model.head_dim;
  const std::int64_t up = (model.gated_mlp ? 2 : 1) * d.ffn;
  // Residual stream: two norm inputs, QKV input, MLP-up input (sharded by SP).
  std::int64_t bytes = 4 * input;
  if (am.dropout) bytes += 2 * d.seq_tokens * model.hidden;  // 1-byte masks after attention and MLP
  // TP-sharded: Q, K, V, out-proj input, activation input, down-proj input.
  bytes += e * d.tokens * (q + 2 * kv) + e * d.tokens * q + e * d.tokens * up + e * d.tokens * d.ffn;
  if (recompute == Recompute::none) bytes += attention_core_activation_bytes(model, parallel, batch, am);
  return bytes;
}

std::int64_t recompute_transient_bytes(const ModelSpec& model, const ParallelConfig& parallel,
                                       const MicroBatchShape& batch, Recompute recompute, const ActivationModel& am) {
  return layer_activation_bytes(model, parallel, batch, Recompute::none, am) -
         layer_activation_bytes(model, parallel, batch, recompute, am);
}

std::int64_t stage_extra_activation_bytes(const ModelSpec& model, const ParallelConfig& parallel,
                                          const MicroBatchShape& batch, int pp_stage, const ActivationModel& am) {
  const LocalDims d = local_dims(model, parallel, batch);
  std::int64_t bytes = 0;
  if (pp_stage == 0 && am.dropout) bytes += d.seq_tokens * model.hidden;  // embedding dropout mask
  if (pp_stage == parallel.pp - 1) {
    bytes += 2 * stage_boundary_bytes(model, parallel, batch);  // final-norm and LM-head inputs
    bytes += 4 * d.tokens * d.vocab;                            // fp32 logits for the CE backward
  }
  return bytes;
}

std::int64_t micro_batch_activation_bytes(const ModelSpec& model, const ParallelConfig& parallel,
                                          const MicroBatchShape& batch, int pp_stage, Recompute recompute,
                                          const ActivationModel& am) {
  const std::int64_t layers = model.layers / parallel.pp;
  return layers * layer_activation_bytes(model, parallel, batch, recompute, am) +
         stage_extra_activation_bytes(model, parallel, batch, pp_stage, am);
}

namespace {

[[noreturn]] void throw_no_memory_model(std::string_view schedule) {
  throw InputError("schedule \"" + std::string(schedule) +
                   "\" has no memory model yet (known: gpipe, 1f1b; interleaved_1f1b is not modelled)");
}

}  // namespace

int max_in_flight_micro_batches(PipelineSchedule schedule, int pp, int pp_stage, int micro_batches) {
  switch (schedule) {
    case PipelineSchedule::gpipe:
      return micro_batches;
    case PipelineSchedule::one_f_one_b:
      return std::min(micro_batches, pp - pp_stage);
    case PipelineSchedule::interleaved_1f1b:
      break;
  }
  throw_no_memory_model(to_string(schedule));
}

int max_in_flight_micro_batches(std::string_view schedule, int pp, int pp_stage, int micro_batches) {
  const std::optional<PipelineSchedule> known = parse_option<PipelineSchedule>(schedule);
  if (!known) throw_no_memory_model(schedule);
  return max_in_flight_micro_batches(*known, pp, pp_stage, micro_batches);
}

RankMemory rank_memory(const ModelSpec& model, const ParallelConfig& parallel, const MicroBatchShape& batch,
                       PipelineSchedule schedule, Recompute recompute, int pp_stage, const ActivationModel& am) {
  RankMemory m;
  m.params = params_on_rank(model, parallel, pp_stage);
  m.weights = weight_bytes(m.params);
  m.gradients = gradient_bytes(m.params);
  m.optimizer = optimizer_bytes(m.params, parallel);
  m.activations_per_micro_batch = micro_batch_activation_bytes(model, parallel, batch, pp_stage, recompute, am);
  m.in_flight = max_in_flight_micro_batches(schedule, parallel.pp, pp_stage, parallel.num_micro_batches);
  m.boundary = stage_boundary_bytes(model, parallel, batch);
  m.recompute_transient = recompute_transient_bytes(model, parallel, batch, recompute, am);
  const bool sends_forward = pp_stage < parallel.pp - 1;
  m.transient = sends_forward ? m.boundary + std::max(m.boundary, m.recompute_transient) : m.recompute_transient;
  return m;
}

}  // namespace lcperf::core
