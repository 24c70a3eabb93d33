#include "core/qwen1m_attention.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "core/layer_ops.hpp"
#include "core/scenario.hpp"

namespace lcperf::core {

namespace {

// Sum of n for n in [a, b] (0 when empty).
double range_sum(double a, double b) { return b < a ? 0.0 : (a + b) * (b - a + 1) / 2.0; }

ElementwiseShape ew(const char* kind, double elements, double flops, double bytes) {
  ElementwiseShape e;
  e.kind = kind;
  e.elements = static_cast<std::int64_t>(elements);
  e.flops_per_element = flops;
  e.bytes_per_element = bytes;
  return e;
}

}  // namespace

LongContextOptions long_context_options(const ServingSpec& spec) {
  LongContextOptions o;
  o.sparse_attention = spec.sparse_attention;
  o.sparse_min_context = spec.sparse_min_context;
  o.vertical_budget = spec.sparse_vertical_budget;
  o.slash_budget = spec.sparse_slash_budget;
  o.dca = spec.dca;
  o.dca_chunk_tokens = spec.dca_chunk_tokens;
  return o;
}

std::int64_t vertical_slash_keys_per_row(std::int64_t q_len, std::int64_t vertical_budget, std::int64_t slash_budget) {
  // MInference's clamps: at least 30 verticals (attention sinks) and 50 slashes (local
  // window), at most one per query of the segment.
  const std::int64_t v = std::min(q_len, std::max<std::int64_t>(vertical_budget, 30));
  const std::int64_t s = std::min(q_len, std::max<std::int64_t>(slash_budget, 50));
  // Slashes are assumed clustered next to the diagonal (the forced local window and the
  // usual case), so they merge into one contiguous range of whole tiles.
  const std::int64_t slash_tiles = (s + kSparseTile - 1) / kSparseTile;
  return v + kSparseTile * (slash_tiles + 1);
}

double vertical_slash_density(std::int64_t q_len, std::int64_t kv_len, std::int64_t vertical_budget,
                              std::int64_t slash_budget) {
  if (q_len <= 0 || kv_len < q_len) throw InputError("vertical-slash density: need 0 < q_len <= kv_len");
  const double k = static_cast<double>(vertical_slash_keys_per_row(q_len, vertical_budget, slash_budget));
  // Row i of the chunk sees n = kv_len - q_len + 1 + i keys, n from a to b.
  const double a = static_cast<double>(kv_len - q_len + 1);
  const double b = static_cast<double>(kv_len);
  const double unmasked = range_sum(a, b);
  const double computed = range_sum(a, std::min(b, k)) + std::max(0.0, b - std::max(k, a - 1)) * k;
  return std::clamp(computed / unmasked, 0.0, 1.0);
}

int dca_partials(std::int64_t kv_len, std::int64_t dca_chunk_tokens) {
  if (dca_chunk_tokens <= 0) throw InputError("dca: the chunk must be > 0 tokens");
  if (kv_len <= dca_chunk_tokens) return 1;
  return kv_len <= 2 * dca_chunk_tokens ? 2 : 3;
}

bool sparse_applies(const LongContextOptions& o, std::int64_t prompt_tokens) {
  return o.sparse_attention && prompt_tokens >= o.sparse_min_context;
}

std::vector<OpPart> long_context_prefill_parts(const AttentionShape& base, std::int64_t q_len, std::int64_t kv_len,
                                               std::int64_t prompt_tokens, const LongContextOptions& o) {
  AttentionShape a = base;
  a.seqs = {{q_len, kv_len}};
  a.paged_decode = false;
  const bool sparse = sparse_applies(o, prompt_tokens);
  if (sparse) a.density = vertical_slash_density(q_len, kv_len, o.vertical_budget, o.slash_budget);
  if (o.dca) a.dca_partials = dca_partials(kv_len, o.dca_chunk_tokens);
  std::vector<OpPart> parts{a};

  const double heads = a.heads_q;
  const double hd = a.head_dim;
  if (sparse) {
    // Index estimation: scores of the chunk's last 64 queries against every key, then the
    // fp32 softmax and the column and diagonal sums over that matrix.
    const std::int64_t last_q = std::min(kSparseTile, q_len);
    GemmShape g;
    g.m = last_q;
    g.n = kv_len;
    g.k = a.head_dim;
    g.batch = a.heads_q;
    g.dtype = a.dtype;
    parts.push_back(g);
    parts.push_back(ew("sparse_index_estimation", static_cast<double>(last_q) * kv_len * heads, 6, 12));
  }
  if (a.dca_partials > 1) {
    const double p = a.dca_partials;
    // Rotary for the extra query variants (succ/inter; under sparse also their
    // continuous-position "critical" twins used only for selection).
    const double variants = (p - 1) * (sparse ? 2 : 1);
    parts.push_back(ew("rope", variants * q_len * heads * hd, 3, 4));
    // LSE merge: read p partial outputs and LSEs, write one output.
    parts.push_back(ew("lse_merge", q_len * heads * hd, 3 * p, 2 * (p + 1)));
  }
  return parts;
}

double prefill_activation_peak_bytes(const ModelSpec& model, const ParallelConfig& parallel, std::int64_t step_tokens,
                                     std::int64_t kv_len, bool sparse) {
  ParallelConfig p = parallel;
  p.cp = 1;
  p.sequence_parallel = false;
  const LocalDims d = local_dims(model, p, MicroBatchShape{{step_tokens}, 0});
  const double t = static_cast<double>(step_tokens);
  const double elem = static_cast<double>(dtype_bytes(model.dtype));
  const double h = static_cast<double>(model.hidden);
  const double hd = model.head_dim;
  // MLP: input, gate+up output, and the SwiGLU output while the up output is still held.
  const double up = (model.gated_mlp ? 2.0 : 1.0) * static_cast<double>(d.ffn);
  const double mlp = t * (h + up + static_cast<double>(d.ffn)) * elem;
  double attention = t * (h + (d.heads_q + 2.0 * d.heads_kv) * hd + d.heads_q * hd) * elem;
  if (sparse) attention += static_cast<double>(kSparseTile) * static_cast<double>(kv_len) * d.heads_q * 4.0;
  return std::max(mlp, attention);
}

}  // namespace lcperf::core
