#pragma once
// A transformer layer (and the embedding, LM head and optimizer around it) broken into
// the op parts one tensor-parallel rank runs. Schedulers wrap these parts into KernelOps;
// the cost models price them; the memory model (training_memory.hpp) uses the same
// per-rank shapes, so time and memory agree on what a rank holds.
//
// Conventions (Megatron-LM's, with FlashAttention):
// - A micro-batch is a list of packed sequences; `tokens` is their sum.
// - Tensor parallelism (TP) splits heads and FFN columns over tp ranks. When tp exceeds
//   the KV heads, each rank keeps one replicated KV head (max(1, kv_heads/tp)).
// - Without sequence parallelism (SP) each layer's forward has 2 all-reduces (after the
//   attention output projection and after the MLP down projection) and its backward 2
//   (at the inputs of the QKV and MLP-up projections). With SP the forward has 2
//   all-gathers + 2 reduce-scatters; the backward has the 2 all-gathers that undo those
//   reduce-scatters, 2 reduce-scatters of the input gradients, and 2 more all-gathers that
//   re-gather the sharded inputs of the column-parallel GEMMs for their weight gradients
//   (Megatron stores those inputs sharded, which is what makes SP's activation memory
//   divide by tp; training_memory.hpp relies on that). No TP collectives when tp == 1.
// - Context parallelism (CP) splits each sequence over cp ranks with Megatron's
//   load-balanced layout: the sequence is cut into 2*cp chunks and a rank holds chunk r
//   and chunk 2*cp-1-r. Under the bottom-right causal rule every rank then sees exactly
//   1/cp of the unmasked scores, so we describe rank 0's two chunks (q_len = s/(2cp),
//   kv_len = s/(2cp) and s) for every rank. K/V of the whole sequence reach a rank through
//   an all-gather over the CP group (backward: reduce-scatter of dK/dV), a stand-in for
//   the ring exchange Megatron overlaps with attention.
// - Biases are fused into GEMM epilogues and not priced separately.
// - The model's `kernels` (layer_kernels.hpp) choose the attention core (one fused call,
//   or Megatron's unfused parts, unfused_attention.hpp), the dropout kernels, rotary or
//   learned absolute positions, and FP8 GEMMs with their casts (fp8_casts.hpp); the
//   defaults are fused attention, no dropout, rotary, GEMMs in the model's dtype.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model_spec.hpp"
#include "core/ops.hpp"
#include "core/parallel_config.hpp"
#include "core/scenario_options.hpp"

namespace lcperf::core {

struct ClusterSpec;

// One micro-batch: the lengths of the sequences packed into it (before CP splitting).
struct MicroBatchShape {
  std::vector<std::int64_t> seq_lens;
  // Keys before the first sequence's tokens, held from earlier chunks of the same
  // sequence (a ChunkFlow dependent chunk, a chunked prefill): its queries attend to
  // kv_prefix + their own causal block. 0 for ordinary packed batches.
  std::int64_t kv_prefix = 0;

  std::int64_t tokens() const;
};

// What the backward of a layer regenerates instead of storing (Megatron's
// --recompute-granularity): nothing, the attention core, or the whole layer.
enum class Recompute { none, selective, full };

std::string_view to_string(Recompute recompute);
Recompute parse_recompute(std::string_view text);  // throws InputError for unknown names

// What a strategy's strategy.recompute regenerates in every layer; nullopt for the
// memory planner, whose choice differs by layer and stage.
std::optional<Recompute> uniform_recompute(RecomputePolicy policy);

// How many nodes the TP and CP groups of a rank span; the collectives inside a layer
// carry it so their cost can pick intra- or inter-node links.
struct CommSpan {
  int tp_nodes = 1;
  int cp_nodes = 1;
};
CommSpan comm_span(const ClusterSpec& cluster, const ParallelConfig& parallel, int rank);

// Per-rank sizes derived from the model and the parallel config.
struct LocalDims {
  std::int64_t tokens = 0;      // tokens of the micro-batch on this CP rank (GEMM m)
  std::int64_t seq_tokens = 0;  // tokens held per rank on the residual stream: tokens/tp with SP
  int heads_q = 0;              // query heads on this TP rank
  int heads_kv = 0;             // KV heads on this TP rank (replicated when tp > kv_heads)
  std::int64_t ffn = 0;         // FFN columns on this TP rank
  std::int64_t vocab = 0;       // vocabulary rows on this TP rank (ceil(vocab / tp))
};
LocalDims local_dims(const ModelSpec& model, const ParallelConfig& parallel, const MicroBatchShape& batch);

// Attention call of one layer on one rank (forward; set .backward for the backward).
AttentionShape layer_attention_shape(const ModelSpec& model, const ParallelConfig& parallel,
                                     const MicroBatchShape& batch);

// One transformer layer.
std::vector<OpPart> layer_forward_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                        const MicroBatchShape& batch, const CommSpan& span = {});
// Backward, preceded by what `recompute` regenerates: the whole forward ("full") or the
// attention forward ("selective").
std::vector<OpPart> layer_backward_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                         const MicroBatchShape& batch, Recompute recompute, const CommSpan& span = {});
// The parts `recompute` adds to a layer's backward (empty for Recompute::none).
std::vector<OpPart> layer_recompute_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                          const MicroBatchShape& batch, Recompute recompute, const CommSpan& span = {});

// First pipeline stage: vocab-parallel embedding lookup and its TP reduction.
std::vector<OpPart> embedding_forward_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                            const MicroBatchShape& batch, const CommSpan& span = {});
std::vector<OpPart> embedding_backward_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                             const MicroBatchShape& batch, const CommSpan& span = {});
// Last pipeline stage: final norm, LM head GEMM, cross-entropy (and its gradient).
std::vector<OpPart> head_forward_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                       const MicroBatchShape& batch, const CommSpan& span = {});
std::vector<OpPart> head_backward_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                        const MicroBatchShape& batch, const CommSpan& span = {});
// Adam over `param_count` fp32 master parameters (the local shard with a distributed
// optimizer), writing the bf16 copy.
std::vector<OpPart> optimizer_parts(std::int64_t param_count);

// Parameters one rank holds (elements): its stage's layers (pp stages of layers/pp) with
// TP-sharded matrices and replicated norms and row-parallel biases; the embedding
// (vocab-sharded) on the first stage; the final norm and LM head on the last stage. With
// tied embeddings and pp > 1 the last stage keeps its own copy of the embedding matrix
// for the head (Megatron's word-embedding copy, kept in sync by an all-reduce).
std::int64_t layer_params_on_rank(const ModelSpec& model, const ParallelConfig& parallel);
std::int64_t params_on_rank(const ModelSpec& model, const ParallelConfig& parallel, int pp_stage);

}  // namespace lcperf::core
