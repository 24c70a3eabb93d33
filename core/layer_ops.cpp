#include "core/layer_ops.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "core/cluster_spec.hpp"
#include "core/cp_ring_attention.hpp"
#include "core/cross_entropy_parts.hpp"
#include "core/elementwise_part.hpp"
#include "core/errors.hpp"
#include "core/fp8_casts.hpp"
#include "core/unfused_attention.hpp"

namespace lcperf::core {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Elementwise costs per element, bf16 data (2 bytes) unless noted. They only need to be
// plausible memory traffic: these parts are memory-bound and small next to GEMMs.
using EwCost = ElementwiseCost;
constexpr EwCost kNormFwd{"norm", 4, 4};      // read x, write y
constexpr EwCost kNormBwd{"norm_bwd", 8, 6};  // read x, dy; write dx
constexpr EwCost kAdd{"add", 1, 6};           // read two, write one
constexpr EwCost kRope{"rope", 3, 4};
constexpr EwCost kRopeBwd{"rope_bwd", 3, 4};
constexpr EwCost kSwiglu{"swiglu", 4, 6};          // read gate and up, write one
constexpr EwCost kSwigluBwd{"swiglu_bwd", 8, 10};  // read gate, up, dy; write dgate, dup
constexpr EwCost kGelu{"gelu", 8, 4};
constexpr EwCost kGeluBwd{"gelu_bwd", 12, 6};
constexpr EwCost kEmbedding{"embedding", 0, 4};          // gather a row, write it
constexpr EwCost kEmbeddingBwd{"embedding_bwd", 1, 10};  // read dy, read-modify-write fp32 grad
// Hidden dropout fused with the residual add (Megatron's bias-dropout-add): the add's
// traffic plus a 1-byte mask written; its backward reads the gradient and the mask.
constexpr EwCost kDropoutAdd{"dropout_add", 3, 7};
constexpr EwCost kDropoutBwd{"dropout_bwd", 1, 5};
// Learned absolute positions: read the token's and the position's row, write the sum;
// the backward accumulates the position table's fp32 gradient like the embedding's.
constexpr EwCost kPositionAdd{"position_embedding", 1, 6};
constexpr EwCost kPositionBwd{"position_embedding_bwd", 1, 10};
// Adam: read fp32 grad, master, m, v (16 B); write master, m, v (12 B) and the bf16 copy (2 B).
constexpr EwCost kAdam{"adam", 12, 30};

OpPart elementwise(const EwCost& cost, std::int64_t elements, std::string_view kind_override = {}) {
  if (kind_override.empty()) return elementwise_part(cost, elements);
  return elementwise_part(std::string(kind_override), elements, cost.flops, cost.bytes);
}

// Y[m,n] = X[m,k] W[k,n] backward: dX = dY W^T and dW = X^T dY, same FLOPs each. With
// wgrad accumulation the dW GEMM adds into the fp32 gradient buffer (4 bytes an element
// read and written) instead of writing a fresh gradient.
void push_gemm_backward(std::vector<OpPart>& parts, std::int64_t m, std::int64_t n, std::int64_t k, DType dtype,
                        WgradAccumulation accumulation) {
  parts.push_back(gemm_part(m, k, n, dtype));  // dgrad
  GemmShape wgrad{k, n, m, 1, dtype};
  if (accumulation == WgradAccumulation::fp32) wgrad.accumulate_bytes = 4;
  parts.push_back(wgrad);
}

std::string norm_kind(const ModelSpec& model, bool backward) {
  const std::string base = model.layernorm_bias ? "layernorm" : "rmsnorm";
  return backward ? base + "_bwd" : base;
}

void append(std::vector<OpPart>& to, const std::vector<OpPart>& from) { to.insert(to.end(), from.begin(), from.end()); }

// Builds one rank's parts; holds the shared sizes so each part reads as its formula.
class Builder {
 public:
  Builder(const ModelSpec& model, const ParallelConfig& parallel, const MicroBatchShape& batch, const CommSpan& span)
      : model_(model), parallel_(parallel), batch_(batch), span_(span), dims_(local_dims(model, parallel, batch)) {}

  const LocalDims& dims() const { return dims_; }
  bool sp() const { return parallel_.sequence_parallel && parallel_.tp > 1; }
  DType dtype() const { return model_.dtype; }
  std::int64_t elem() const { return dtype_bytes(model_.dtype); }
  // Bytes of the full residual-stream activation of this CP rank (what TP collectives move).
  std::int64_t hidden_bytes() const { return dims_.tokens * model_.hidden * elem(); }

  void tp(std::vector<OpPart>& parts, CollectiveKind kind, std::int64_t bytes) const {
    if (parallel_.tp == 1) return;
    CollectiveShape c;
    c.kind = kind;
    c.bytes = bytes;
    c.ranks = parallel_.tp;
    c.nodes = span_.tp_nodes;
    parts.push_back(c);
  }
  // Enter a TP region (column-parallel input): SP gathers the sequence shards.
  void tp_enter_fwd(std::vector<OpPart>& parts) const {
    if (sp()) tp(parts, CollectiveKind::all_gather, hidden_bytes());
  }
  // Leave a TP region (row-parallel output): sum the partial outputs.
  void tp_exit_fwd(std::vector<OpPart>& parts) const {
    tp(parts, sp() ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce, hidden_bytes());
  }
  // Backward of tp_exit_fwd: SP gathers the output-gradient shards; all-reduce's
  // backward is the identity.
  void tp_exit_bwd(std::vector<OpPart>& parts) const {
    if (sp()) tp(parts, CollectiveKind::all_gather, hidden_bytes());
  }
  // Backward of tp_enter_fwd: sum the input gradients (reduce-scatter with SP).
  void tp_enter_bwd(std::vector<OpPart>& parts) const {
    tp(parts, sp() ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce, hidden_bytes());
  }
  // SP stores the column-parallel GEMM input sharded and gathers it again for wgrad.
  void tp_regather(std::vector<OpPart>& parts) const {
    if (sp()) tp(parts, CollectiveKind::all_gather, hidden_bytes());
  }

  void cp_kv(std::vector<OpPart>& parts, bool backward) const {
    if (parallel_.cp == 1) return;
    CollectiveShape c;
    c.kind = backward ? CollectiveKind::reduce_scatter : CollectiveKind::all_gather;
    c.bytes = batch_.tokens() * 2 * dims_.heads_kv * static_cast<std::int64_t>(model_.head_dim) * elem();
    c.ranks = parallel_.cp;
    c.nodes = span_.cp_nodes;
    parts.push_back(c);
  }

  const LayerKernels& kernels() const { return model_.kernels; }
  bool rotary() const { return kernels().position_embedding == PositionEmbedding::rotary; }

  // A linear layer's forward Y[t,n] = X[t,k] W[k,n]; in FP8, X is cast first.
  void linear_fwd(std::vector<OpPart>& parts, std::int64_t t, std::int64_t n, std::int64_t k) const {
    if (kernels().fp8()) append_fp8_cast(parts, t * k, kernels().fp8_recipe);
    parts.push_back(gemm_part(t, n, k, kernels().fp8() ? DType::fp8 : dtype()));
  }
  // Its backward (dgrad and wgrad); in FP8, dY is cast first (the wgrad's X^T was cast
  // with X in the forward).
  void linear_bwd(std::vector<OpPart>& parts, std::int64_t t, std::int64_t n, std::int64_t k) const {
    if (kernels().fp8()) append_fp8_cast(parts, t * n, kernels().fp8_recipe);
    push_gemm_backward(parts, t, n, k, kernels().fp8() ? DType::fp8 : dtype(), kernels().wgrad_accumulation);
  }
  // The residual add closing a sub-layer, with hidden dropout when it is on.
  OpPart residual_add() const {
    return elementwise(kernels().hidden_dropout > 0 ? kDropoutAdd : kAdd, dims_.seq_tokens * model_.hidden);
  }
  void dropout_bwd(std::vector<OpPart>& parts) const {
    if (kernels().hidden_dropout > 0) parts.push_back(elementwise(kDropoutBwd, dims_.seq_tokens * model_.hidden));
  }
  // The attention core: one fused kernel, or the unfused parts.
  std::vector<OpPart> attention_core(bool backward) const {
    AttentionShape a = layer_attention_shape(model_, parallel_, batch_);
    a.backward = backward;
    if (kernels().attention == AttentionImpl::unfused) return unfused_attention_parts(a, kernels().attention_dropout);
    if (kernels().cp_attention == CpAttention::ring_steps && parallel_.cp > 1 && batch_.kv_prefix == 0) {
      return cp_ring_attention_parts(a, batch_.seq_lens, parallel_.cp);
    }
    return {a};
  }

  std::int64_t qkv_width() const {
    return static_cast<std::int64_t>(dims_.heads_q + 2 * dims_.heads_kv) * model_.head_dim;
  }
  std::int64_t q_width() const { return static_cast<std::int64_t>(dims_.heads_q) * model_.head_dim; }
  std::int64_t up_width() const { return (model_.gated_mlp ? 2 : 1) * dims_.ffn; }

  std::vector<OpPart> attention_forward() const {
    std::vector<OpPart> parts;
    const std::int64_t t = dims_.tokens;
    const std::int64_t h = model_.hidden;
    parts.push_back(elementwise(kNormFwd, dims_.seq_tokens * h, norm_kind(model_, false)));
    tp_enter_fwd(parts);
    linear_fwd(parts, t, qkv_width(), h);
    if (rotary()) {
      parts.push_back(
          elementwise(kRope, t * static_cast<std::int64_t>(dims_.heads_q + dims_.heads_kv) * model_.head_dim));
    }
    cp_kv(parts, false);
    append(parts, attention_core(false));
    linear_fwd(parts, t, h, q_width());
    tp_exit_fwd(parts);
    parts.push_back(residual_add());
    return parts;
  }

  std::vector<OpPart> mlp_forward() const {
    std::vector<OpPart> parts;
    const std::int64_t t = dims_.tokens;
    const std::int64_t h = model_.hidden;
    parts.push_back(elementwise(kNormFwd, dims_.seq_tokens * h, norm_kind(model_, false)));
    tp_enter_fwd(parts);
    linear_fwd(parts, t, up_width(), h);
    parts.push_back(elementwise(model_.gated_mlp ? kSwiglu : kGelu, t * dims_.ffn));
    linear_fwd(parts, t, h, dims_.ffn);
    tp_exit_fwd(parts);
    parts.push_back(residual_add());
    return parts;
  }

  std::vector<OpPart> mlp_backward() const {
    std::vector<OpPart> parts;
    const std::int64_t t = dims_.tokens;
    const std::int64_t h = model_.hidden;
    dropout_bwd(parts);
    tp_exit_bwd(parts);
    linear_bwd(parts, t, h, dims_.ffn);
    parts.push_back(elementwise(model_.gated_mlp ? kSwigluBwd : kGeluBwd, t * dims_.ffn));
    tp_regather(parts);
    linear_bwd(parts, t, up_width(), h);
    tp_enter_bwd(parts);
    parts.push_back(elementwise(kNormBwd, dims_.seq_tokens * h, norm_kind(model_, true)));
    parts.push_back(elementwise(kAdd, dims_.seq_tokens * h));  // residual gradient accumulation
    return parts;
  }

  std::vector<OpPart> attention_backward() const {
    std::vector<OpPart> parts;
    const std::int64_t t = dims_.tokens;
    const std::int64_t h = model_.hidden;
    dropout_bwd(parts);
    tp_exit_bwd(parts);
    linear_bwd(parts, t, h, q_width());
    append(parts, attention_core(true));
    cp_kv(parts, true);
    if (rotary()) {
      parts.push_back(
          elementwise(kRopeBwd, t * static_cast<std::int64_t>(dims_.heads_q + dims_.heads_kv) * model_.head_dim));
    }
    tp_regather(parts);
    linear_bwd(parts, t, qkv_width(), h);
    tp_enter_bwd(parts);
    parts.push_back(elementwise(kNormBwd, dims_.seq_tokens * h, norm_kind(model_, true)));
    parts.push_back(elementwise(kAdd, dims_.seq_tokens * h));
    return parts;
  }

  std::vector<OpPart> embedding_forward() const {
    std::vector<OpPart> parts;
    // Vocab-parallel lookup: every TP rank writes the rows it owns (zeros elsewhere) ...
    parts.push_back(elementwise(kEmbedding, dims_.tokens * model_.hidden));
    // ... and the reduction makes the full embedding (sharded by sequence with SP).
    tp_exit_fwd(parts);
    // Learned positions are added to the reduced embedding (every TP rank holds the table).
    if (!rotary()) parts.push_back(elementwise(kPositionAdd, dims_.seq_tokens * model_.hidden));
    return parts;
  }

  std::vector<OpPart> embedding_backward() const {
    std::vector<OpPart> parts;
    if (!rotary()) parts.push_back(elementwise(kPositionBwd, dims_.seq_tokens * model_.hidden));
    tp_exit_bwd(parts);
    parts.push_back(elementwise(kEmbeddingBwd, dims_.tokens * model_.hidden));
    return parts;
  }

  std::vector<OpPart> head_forward() const {
    std::vector<OpPart> parts;
    const std::int64_t t = dims_.tokens;
    const std::int64_t h = model_.hidden;
    parts.push_back(elementwise(kNormFwd, dims_.seq_tokens * h, norm_kind(model_, false)));
    tp_enter_fwd(parts);
    parts.push_back(gemm_part(t, dims_.vocab, h, dtype()));
    append_cross_entropy_forward(parts, t * dims_.vocab, kernels().cross_entropy);
    // Vocab-parallel cross-entropy reduces max, target logit and sum of exponentials
    // (fp32 per token) over the TP group.
    tp(parts, CollectiveKind::all_reduce, 3 * t * 4);
    return parts;
  }

  std::vector<OpPart> head_backward() const {
    std::vector<OpPart> parts;
    const std::int64_t t = dims_.tokens;
    const std::int64_t h = model_.hidden;
    append_cross_entropy_backward(parts, t * dims_.vocab, kernels().cross_entropy);
    tp_regather(parts);
    push_gemm_backward(parts, t, dims_.vocab, h, dtype(), kernels().wgrad_accumulation);
    tp_enter_bwd(parts);
    parts.push_back(elementwise(kNormBwd, dims_.seq_tokens * h, norm_kind(model_, true)));
    return parts;
  }

 private:
  const ModelSpec& model_;
  const ParallelConfig& parallel_;
  const MicroBatchShape& batch_;
  CommSpan span_;
  LocalDims dims_;
};

// Rank 0's two chunks of Megatron's load-balanced CP layout for one sequence (see header).
void cp_chunks(std::int64_t s, int cp, std::vector<AttentionSeq>& out) {
  if (cp == 1) {
    out.push_back({s, s});
    return;
  }
  const std::int64_t chunks = 2 * static_cast<std::int64_t>(cp);
  const std::int64_t first_end = s / chunks;                  // chunk 0 is [0, first_end)
  const std::int64_t last_begin = s * (chunks - 1) / chunks;  // chunk 2cp-1 is [last_begin, s)
  if (first_end > 0) out.push_back({first_end, first_end});
  if (s - last_begin > 0) out.push_back({s - last_begin, s});
}

}  // namespace

std::int64_t MicroBatchShape::tokens() const {
  std::int64_t total = 0;
  for (std::int64_t s : seq_lens) total += s;
  return total;
}

std::string_view to_string(Recompute recompute) {
  switch (recompute) {
    case Recompute::none:
      return "none";
    case Recompute::selective:
      return "selective";
    case Recompute::full:
      return "full";
  }
  return "?";
}

Recompute parse_recompute(std::string_view text) {
  // The strategy's names, less the planner's (it picks no one granularity).
  if (const std::optional<RecomputePolicy> policy = parse_option<RecomputePolicy>(text)) {
    if (const std::optional<Recompute> recompute = uniform_recompute(*policy)) return *recompute;
  }
  throw InputError("recompute must be one of none, selective, full (got \"" + std::string(text) + "\")");
}

std::optional<Recompute> uniform_recompute(RecomputePolicy policy) {
  switch (policy) {
    case RecomputePolicy::none:
      return Recompute::none;
    case RecomputePolicy::selective:
      return Recompute::selective;
    case RecomputePolicy::full:
      return Recompute::full;
    case RecomputePolicy::planner:
      break;
  }
  return std::nullopt;
}

CommSpan comm_span(const ClusterSpec& cluster, const ParallelConfig& parallel, int rank) {
  auto nodes_of = [&](const std::vector<int>& group) {
    std::set<int> nodes;
    for (int r : group) nodes.insert(cluster.node_of(r));
    return static_cast<int>(nodes.size());
  };
  return CommSpan{nodes_of(tp_group(parallel, rank)), nodes_of(cp_group(parallel, rank))};
}

LocalDims local_dims(const ModelSpec& model, const ParallelConfig& parallel, const MicroBatchShape& batch) {
  LocalDims d;
  std::vector<AttentionSeq> seqs;
  for (std::int64_t s : batch.seq_lens) cp_chunks(s, parallel.cp, seqs);
  for (const AttentionSeq& q : seqs) d.tokens += q.q_len;
  const bool sp = parallel.sequence_parallel && parallel.tp > 1;
  d.seq_tokens = sp ? ceil_div(d.tokens, parallel.tp) : d.tokens;
  d.heads_q = model.heads / parallel.tp;
  d.heads_kv = std::max(1, model.kv_heads / parallel.tp);
  d.ffn = ceil_div(model.ffn_hidden, parallel.tp);
  d.vocab = ceil_div(model.vocab, parallel.tp);
  return d;
}

AttentionShape layer_attention_shape(const ModelSpec& model, const ParallelConfig& parallel,
                                     const MicroBatchShape& batch) {
  AttentionShape a;
  if (batch.kv_prefix > 0) {
    if (parallel.cp > 1 || batch.seq_lens.size() != 1) {
      throw InputError("a batch with a KV prefix holds one sequence and runs without context parallelism");
    }
    a.seqs.push_back({batch.seq_lens.front(), batch.kv_prefix + batch.seq_lens.front()});
  } else {
    for (std::int64_t s : batch.seq_lens) cp_chunks(s, parallel.cp, a.seqs);
  }
  const LocalDims d = local_dims(model, parallel, batch);
  a.heads_q = d.heads_q;
  a.heads_kv = d.heads_kv;
  a.head_dim = model.head_dim;
  a.mask = AttentionMask::causal;
  a.dtype = model.dtype;
  return a;
}

std::vector<OpPart> layer_forward_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                        const MicroBatchShape& batch, const CommSpan& span) {
  const Builder b(model, parallel, batch, span);
  std::vector<OpPart> parts = b.attention_forward();
  append(parts, b.mlp_forward());
  return parts;
}

std::vector<OpPart> layer_recompute_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                          const MicroBatchShape& batch, Recompute recompute, const CommSpan& span) {
  switch (recompute) {
    case Recompute::none:
      return {};
    case Recompute::selective:
      return Builder(model, parallel, batch, span).attention_core(false);
    case Recompute::full:
      return layer_forward_parts(model, parallel, batch, span);
  }
  return {};
}

std::vector<OpPart> layer_backward_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                         const MicroBatchShape& batch, Recompute recompute, const CommSpan& span) {
  const Builder b(model, parallel, batch, span);
  std::vector<OpPart> parts = layer_recompute_parts(model, parallel, batch, recompute, span);
  append(parts, b.mlp_backward());
  append(parts, b.attention_backward());
  return parts;
}

std::vector<OpPart> embedding_forward_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                            const MicroBatchShape& batch, const CommSpan& span) {
  return Builder(model, parallel, batch, span).embedding_forward();
}

std::vector<OpPart> embedding_backward_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                             const MicroBatchShape& batch, const CommSpan& span) {
  return Builder(model, parallel, batch, span).embedding_backward();
}

std::vector<OpPart> head_forward_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                       const MicroBatchShape& batch, const CommSpan& span) {
  return Builder(model, parallel, batch, span).head_forward();
}

std::vector<OpPart> head_backward_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                        const MicroBatchShape& batch, const CommSpan& span) {
  return Builder(model, parallel, batch, span).head_backward();
}

std::vector<OpPart> optimizer_parts(std::int64_t param_count) { return {elementwise(kAdam, param_count)}; }

std::int64_t layer_params_on_rank(const ModelSpec& model, const ParallelConfig& parallel) {
  const int tp = parallel.tp;
  const std::int64_t h = model.hidden;
  const std::int64_t heads_q = model.heads / tp;
  const std::int64_t heads_kv = std::max(1, model.kv_heads / tp);
  const std::int64_t qkv_width = (heads_q + 2 * heads_kv) * model.head_dim;
  const std::int64_t ffn = ceil_div(model.ffn_hidden, tp);
  const std::int64_t up_mats = model.gated_mlp ? 2 : 1;
  // Column-parallel QKV and MLP-up: weights and biases sharded.
  std::int64_t params = h * qkv_width + (model.qkv_bias ? qkv_width : 0);
  params += up_mats * h * ffn + (model.layernorm_bias ? up_mats * ffn : 0);
  // Row-parallel output and down projections: weights sharded, biases replicated.
  params += heads_q * model.head_dim * h + (model.layernorm_bias ? h : 0);
  params += ffn * h + (model.layernorm_bias ? h : 0);
  // Norms are replicated on every TP rank.
  params += model.norm_params_per_layer();
  return params;
}

std::int64_t params_on_rank(const ModelSpec& model, const ParallelConfig& parallel, int pp_stage) {
  const std::int64_t layers_per_stage = model.layers / parallel.pp;
  const std::int64_t embedding = ceil_div(model.vocab, parallel.tp) * model.hidden;
  std::int64_t params = layers_per_stage * layer_params_on_rank(model, parallel);
  const bool first = pp_stage == 0;
  const bool last = pp_stage == parallel.pp - 1;
  if (first) params += embedding;
  if (last) {
    params += model.hidden * (model.layernorm_bias ? 2 : 1);  // final norm, replicated
    // The LM head: its own matrix when untied; when tied, the first stage's embedding
    // serves unless the head sits on another stage, which then keeps a copy.
    if (!model.tied_embeddings || !first) params += embedding;
  }
  return params;
}

}  // namespace lcperf::core
