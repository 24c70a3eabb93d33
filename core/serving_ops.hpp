#pragma once
// The op parts of one serving engine step (continuous batching) on one tensor-parallel
// rank: a batch mixing prefill chunks and decodes runs as one forward pass over the
// step's tokens, as vLLM-style engines do.
//
// Conventions (shared with core/layer_ops.hpp where they overlap):
// - TP splits heads and FFN columns; each rank keeps max(1, kv_heads/tp) KV heads.
// - Serving runs without sequence parallelism: two all-reduces per layer (after the
//   attention output projection and the MLP down projection) of tokens x hidden x
//   dtype bytes, when tp > 1. Context parallelism does not apply (cp is ignored).
// - Attention: all prefill chunks of the step are one packed causal call (a chunk of
//   q tokens after `context_before` cached tokens attends bottom-right to
//   context_before + q keys); all decodes are one paged-decode call (q = 1 each).
// - The LM head runs only on rows that produce a token (decodes and the final chunk of
//   a prompt); the engine prunes the other rows before the head, which is what makes a
//   non-final chunk cheaper than a final one.
#include <cstdint>
#include <vector>

#include "core/model_spec.hpp"
#include "core/ops.hpp"
#include "core/parallel_config.hpp"
#include "core/qwen1m_attention.hpp"

namespace lcperf::core {

// One sequence's share of an engine step.
struct ServingSeq {
  std::int64_t q_tokens = 0;        // new tokens this step (1 for a decode)
  std::int64_t context_before = 0;  // tokens already in the KV cache
  bool decode = false;
  // A prefill chunk that completes its prompt samples the first output token. Decodes
  // always sample; this flag only matters for prefill chunks.
  bool final_chunk = false;
  // The request's whole prompt, for techniques that switch on by request length (sparse
  // prefill attention); 0 = unknown, then the chunk's kv length stands in.
  std::int64_t prompt_tokens = 0;

  bool samples_token() const { return decode || final_chunk; }
  bool operator==(const ServingSeq&) const = default;
};

// KV cache bytes one token occupies in one layer on one TP rank (K and V of the rank's
// KV heads).
std::int64_t kv_bytes_per_token_per_layer(const ModelSpec& model, const ParallelConfig& parallel);

// One step's parts: the embedding lookup (when `with_embedding`), `layers` transformer
// layers, and the final norm, LM head and sampling (when `with_head` and some sequence
// samples). An empty batch gives no parts.
std::vector<OpPart> serving_step_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                       const std::vector<ServingSeq>& seqs, int layers, bool with_head,
                                       bool with_embedding = true);
// The same with long-context options (core/qwen1m_attention.hpp). With options inactive
// the parts equal the overload above; active, each prefill chunk gets its own attention
// parts (density, DCA partials, index estimation, LSE merge) instead of the packed call.
std::vector<OpPart> serving_step_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                       const std::vector<ServingSeq>& seqs, int layers, bool with_head,
                                       bool with_embedding, const LongContextOptions& long_context);

// The same step in three pieces, for callers that handle identical layers once (the
// engine builds and prices a step from one layer): what runs before the layers
// (embedding), one transformer layer (every layer of a step has the same parts), and what
// runs after them (final norm, LM head, sampling). An empty batch gives empty pieces.
struct ServingStepShape {
  std::vector<OpPart> prologue;
  std::vector<OpPart> layer;
  std::vector<OpPart> epilogue;

  // prologue + `layers` copies of layer + epilogue: serving_step_parts' answer.
  std::vector<OpPart> expand(int layers) const;
};
ServingStepShape serving_step_shape(const ModelSpec& model, const ParallelConfig& parallel,
                                    const std::vector<ServingSeq>& seqs, bool with_head, bool with_embedding,
                                    const LongContextOptions& long_context = {});

// Moving `bytes` of KV cache between device and host memory (swap preemption). The
// part is a memcpy whose priced bytes are `bytes * host_link_factor`: the cost model
// prices memcpy at device-memory bandwidth, so a factor of hbm_bandwidth /
// pcie_bandwidth makes it cost the host-link transfer time.
OpPart kv_swap_part(std::int64_t bytes, double host_link_factor);

}  // namespace lcperf::core
