#pragma once
// Pricing helpers for the Qwen2.5-1M long-context techniques (reference:
// shared/reference/qwen2.5-1m.md): vertical-slash sparse prefill attention, dual chunk
// attention (DCA) and the activation memory of a prefill step. They turn a technique
// into op parts the ordinary cost model prices; nothing here has a cost of its own.
//
// YaRN attention scaling multiplies logits by a constant inside the attention kernel,
// so it adds no part and has no option.
#include <cstdint>
#include <vector>

#include "core/model_spec.hpp"
#include "core/ops.hpp"
#include "core/parallel_config.hpp"

namespace lcperf::core {

struct LongContextOptions {
  // Vertical-slash sparse prefill: each query row computes `vertical_budget` gathered key
  // columns plus the slash lines nearest the diagonal, rounded up to 64x64 tiles. Only
  // requests whose prompt reaches `sparse_min_context` use it (vLLM's threshold); decode
  // stays dense. Budgets are per head; a single mean budget stands for all heads.
  bool sparse_attention = false;
  std::int64_t sparse_min_context = 32768;
  std::int64_t vertical_budget = 3920;  // mean of the shipped 7B-1M config
  std::int64_t slash_budget = 7650;
  // Dual chunk attention: beyond `dca_chunk_tokens` keys a query runs up to three partial
  // attentions (intra, successive, inter chunk) over disjoint keys, merged by LSE.
  bool dca = false;
  std::int64_t dca_chunk_tokens = 253952;  // chunk_size 262144 - local_size 8192

  bool active() const { return sparse_attention || dca; }
  bool operator==(const LongContextOptions&) const = default;
};

struct ServingSpec;
// The options a serving scenario's fields set (core/scenario.hpp).
LongContextOptions long_context_options(const ServingSpec& spec);

// Query rows of the 64-row tiles the sparse kernel and the index estimation use.
inline constexpr std::int64_t kSparseTile = 64;

// Keys one query row computes under vertical-slash: the clamped vertical budget plus the
// slash budget rounded up to whole tiles, plus the diagonal tile (a 64-row block's
// slashes span 63 more columns than the slashes themselves).
std::int64_t vertical_slash_keys_per_row(std::int64_t q_len, std::int64_t vertical_budget,
                                         std::int64_t slash_budget);

// Fraction of the causal score matrix of one chunk (q_len queries, the last of kv_len
// keys) that vertical-slash computes: sum over rows of min(keys the row sees, keys per
// row) / unmasked pairs. 1 when the budget covers every row.
double vertical_slash_density(std::int64_t q_len, std::int64_t kv_len, std::int64_t vertical_budget,
                              std::int64_t slash_budget);

// Partial attentions a chunk's queries need under DCA: 1 while all keys fit one DCA
// chunk, 2 when some lie in the previous chunk, 3 when some lie further back.
int dca_partials(std::int64_t kv_len, std::int64_t dca_chunk_tokens);

// Whether a prefill chunk of a request whose prompt is `prompt_tokens` long is sparse.
bool sparse_applies(const LongContextOptions& o, std::int64_t prompt_tokens);

// The attention parts of one prefill chunk on one TP rank. `base` gives heads, head_dim,
// dtype and mask. Dense: one attention part. Sparse: the attention at the vertical-slash
// density, then the index estimation (last 64 queries x all keys per head, scores and
// the softmax/column/diagonal sums over them) as parts of their own. DCA: the attention
// carries dca_partials (its extra query reads), plus the LSE merge of the partial
// outputs and the rotary of the extra query variants; no extra score FLOPs, as the
// partials cover disjoint keys.
std::vector<OpPart> long_context_prefill_parts(const AttentionShape& base, std::int64_t q_len, std::int64_t kv_len,
                                               std::int64_t prompt_tokens, const LongContextOptions& o);

// Peak transient activation bytes of one prefill step of `step_tokens` tokens on one TP
// rank, over the layer's phases (the step's KV cache and weights are not included): the
// MLP's gate+up output plus its input, or the attention phase (QKV, output and, when
// sparse, the fp32 estimation buffer of 64 queries x kv_len keys per local head). It is
// set by the step's tokens, not by the prompt, except for the estimation buffer.
double prefill_activation_peak_bytes(const ModelSpec& model, const ParallelConfig& parallel, std::int64_t step_tokens,
                                     std::int64_t kv_len, bool sparse);

}  // namespace lcperf::core
