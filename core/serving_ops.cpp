#include "core/serving_ops.hpp"

#include <algorithm>
#include <string>

#include "core/errors.hpp"
#include "core/layer_ops.hpp"

namespace lcperf::core {

namespace {

// Per-element costs of the memory-bound parts (bf16 data). Plausible traffic is all
// they need: next to the GEMMs and attention they are small.
struct EwCost {
  const char* kind;
  double flops;
  double bytes;
};
constexpr EwCost kAdd{"add", 1, 6};            // read two, write one
constexpr EwCost kRope{"rope", 3, 4};
constexpr EwCost kKvWrite{"kv_cache_write", 0, 4};  // read new K/V, write them into cache blocks
constexpr EwCost kSwiglu{"swiglu", 4, 6};
constexpr EwCost kGelu{"gelu", 8, 4};
constexpr EwCost kEmbedding{"embedding", 0, 4};
constexpr EwCost kSampling{"sampling", 5, 6};  // softmax over bf16 logits, pick a token

OpPart elementwise(const EwCost& cost, std::int64_t elements, const std::string& kind = {}) {
  ElementwiseShape e;
  e.kind = kind.empty() ? std::string(cost.kind) : kind;
  e.elements = elements;
  e.flops_per_element = cost.flops;
  e.bytes_per_element = cost.bytes;
  return e;
}

OpPart norm(const ModelSpec& model, std::int64_t elements) {
  ElementwiseShape e;
  e.kind = model.layernorm_bias ? "layernorm" : "rmsnorm";
  e.elements = elements;
  e.flops_per_element = 4;
  e.bytes_per_element = 4;
  return e;
}

// Serving has no sequence or context parallelism; local_dims then gives the TP split.
ParallelConfig serving_parallel(const ParallelConfig& parallel) {
  ParallelConfig p = parallel;
  p.cp = 1;
  p.sequence_parallel = false;
  return p;
}

}  // namespace

std::int64_t kv_bytes_per_token_per_layer(const ModelSpec& model, const ParallelConfig& parallel) {
  const std::int64_t heads_kv = std::max(1, model.kv_heads / std::max(1, parallel.tp));
  return 2 * heads_kv * model.head_dim * dtype_bytes(model.dtype);
}

std::vector<OpPart> serving_step_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                       const std::vector<ServingSeq>& seqs, int layers, bool with_head,
                                       bool with_embedding) {
  return serving_step_parts(model, parallel, seqs, layers, with_head, with_embedding, LongContextOptions{});
}

std::vector<OpPart> serving_step_parts(const ModelSpec& model, const ParallelConfig& parallel,
                                       const std::vector<ServingSeq>& seqs, int layers, bool with_head,
                                       bool with_embedding, const LongContextOptions& long_context) {
  if (layers < 0) throw InputError("serving step: layers must be >= 0");
  return serving_step_shape(model, parallel, seqs, with_head, with_embedding, long_context).expand(layers);
}

std::vector<OpPart> ServingStepShape::expand(int layers) const {
  std::vector<OpPart> parts;
  if (layer.empty()) return parts;  // an empty batch
  parts.reserve(prologue.size() + static_cast<std::size_t>(std::max(0, layers)) * layer.size() + epilogue.size());
  parts.insert(parts.end(), prologue.begin(), prologue.end());
  for (int l = 0; l < layers; ++l) parts.insert(parts.end(), layer.begin(), layer.end());
  parts.insert(parts.end(), epilogue.begin(), epilogue.end());
  return parts;
}

ServingStepShape serving_step_shape(const ModelSpec& model, const ParallelConfig& parallel,
                                    const std::vector<ServingSeq>& seqs, bool with_head, bool with_embedding,
                                    const LongContextOptions& long_context) {
  std::int64_t tokens = 0;
  std::int64_t sampled = 0;
  AttentionShape prefill;
  AttentionShape decode;
  // Steps come by the million: size each vector once.
  decode.seqs.reserve(seqs.size());
  for (const ServingSeq& s : seqs) {
    if (s.q_tokens <= 0 || s.context_before < 0) {
      throw InputError("serving step: a sequence needs q_tokens > 0 and context_before >= 0");
    }
    if (s.decode && s.q_tokens != 1) throw InputError("serving step: a decode has q_tokens = 1");
    tokens += s.q_tokens;
    if (s.samples_token()) ++sampled;
    (s.decode ? decode : prefill).seqs.push_back({s.q_tokens, s.context_before + s.q_tokens});
  }
  ServingStepShape shape;
  if (tokens == 0) return shape;

  const ParallelConfig p = serving_parallel(parallel);
  const LocalDims d = local_dims(model, p, MicroBatchShape{{tokens}, 0});
  for (AttentionShape* a : {&prefill, &decode}) {
    a->heads_q = d.heads_q;
    a->heads_kv = d.heads_kv;
    a->head_dim = model.head_dim;
    a->mask = AttentionMask::causal;
    a->dtype = model.dtype;
  }
  decode.paged_decode = true;

  const std::int64_t h = model.hidden;
  const std::int64_t hd = model.head_dim;
  const std::int64_t qkv_width = static_cast<std::int64_t>(d.heads_q + 2 * d.heads_kv) * hd;
  const std::int64_t q_width = static_cast<std::int64_t>(d.heads_q) * hd;
  const std::int64_t up_width = (model.gated_mlp ? 2 : 1) * d.ffn;
  // Bytes of an activation element: the model's dtype, except that an FP8 engine keeps
  // its activations (and so the collectives on them) in 16 bits and quantises only GEMM
  // inputs (TensorRT-LLM's and Transformer Engine's FP8 recipes).
  const std::int64_t elem = model.dtype == DType::fp8 ? 2 : dtype_bytes(model.dtype);

  auto all_reduce = [&](std::vector<OpPart>& parts, std::int64_t bytes) {
    if (p.tp == 1) return;
    CollectiveShape c;
    c.kind = CollectiveKind::all_reduce;
    c.bytes = bytes;
    c.ranks = p.tp;
    parts.push_back(c);
  };

  if (with_embedding) {
    // Vocab-parallel lookup, then the sum that assembles full rows on every rank.
    shape.prologue.push_back(elementwise(kEmbedding, tokens * h));
    all_reduce(shape.prologue, tokens * h * elem);
  }

  std::vector<OpPart>& layer = shape.layer;
  layer.reserve(16);
  layer.push_back(norm(model, tokens * h));
  layer.push_back(gemm_part(tokens, qkv_width, h, model.dtype));
  layer.push_back(elementwise(kRope, tokens * static_cast<std::int64_t>(d.heads_q + d.heads_kv) * hd));
  layer.push_back(elementwise(kKvWrite, tokens * 2 * static_cast<std::int64_t>(d.heads_kv) * hd));
  if (long_context.active() && !prefill.seqs.empty()) {
    // Long-context prefill: per-chunk attention parts, the same for every layer.
    for (const ServingSeq& s : seqs) {
      if (s.decode) continue;
      const std::int64_t kv = s.context_before + s.q_tokens;
      const std::vector<OpPart> more = long_context_prefill_parts(
          prefill, s.q_tokens, kv, s.prompt_tokens > 0 ? s.prompt_tokens : kv, long_context);
      layer.insert(layer.end(), more.begin(), more.end());
    }
  } else if (!prefill.seqs.empty()) {
    layer.push_back(std::move(prefill));
  }
  if (!decode.seqs.empty()) layer.push_back(std::move(decode));
  layer.push_back(gemm_part(tokens, h, q_width, model.dtype));
  all_reduce(layer, tokens * h * elem);
  layer.push_back(elementwise(kAdd, tokens * h));
  layer.push_back(norm(model, tokens * h));
  layer.push_back(gemm_part(tokens, up_width, h, model.dtype));
  layer.push_back(elementwise(model.gated_mlp ? kSwiglu : kGelu, tokens * d.ffn));
  layer.push_back(gemm_part(tokens, h, d.ffn, model.dtype));
  all_reduce(layer, tokens * h * elem);
  layer.push_back(elementwise(kAdd, tokens * h));

  std::vector<OpPart>& tail = shape.epilogue;
  if (with_head) tail.push_back(norm(model, tokens * h));  // the final norm runs on every row
  if (with_head && sampled > 0) {
    tail.push_back(gemm_part(sampled, d.vocab, h, model.dtype));
    // Each rank holds a vocabulary slice of the logits; sampling needs all of them.
    if (p.tp > 1) {
      CollectiveShape c;
      c.kind = CollectiveKind::all_gather;
      c.bytes = sampled * d.vocab * p.tp * elem;
      c.ranks = p.tp;
      tail.push_back(c);
    }
    tail.push_back(elementwise(kSampling, sampled * model.vocab));
  }
  return shape;
}

OpPart kv_swap_part(std::int64_t bytes, double host_link_factor) {
  if (bytes < 0 || !(host_link_factor > 0)) throw InputError("kv swap: bytes >= 0 and host_link_factor > 0");
  ElementwiseShape e;
  e.kind = "memcpy";
  e.elements = bytes;
  e.flops_per_element = 0;
  e.bytes_per_element = host_link_factor;
  return e;
}

}  // namespace lcperf::core
