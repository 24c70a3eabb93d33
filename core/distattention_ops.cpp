#include "core/distattention_ops.hpp"

#include <algorithm>
#include <string>

#include "core/errors.hpp"

namespace lcperf::core {

namespace {

void check_counts(std::int64_t a, std::int64_t b, const char* where) {
  if (a < 0 || b < 0) throw InputError(std::string("distattention: ") + where + " needs counts >= 0");
}

}  // namespace

DistAttentionDims dist_attention_dims(const ModelSpec& model, const ParallelConfig& parallel) {
  const int tp = std::max(1, parallel.tp);
  if (model.heads <= 0 || model.kv_heads <= 0 || model.head_dim <= 0) {
    throw InputError("distattention: model '" + model.id + "' needs heads, kv_heads and head_dim > 0");
  }
  if (model.heads % tp != 0) {
    throw InputError("distattention: tp " + std::to_string(tp) + " does not divide the " +
                     std::to_string(model.heads) + " query heads of '" + model.id + "'");
  }
  DistAttentionDims d;
  d.heads_q = model.heads / tp;
  d.heads_kv = std::max(1, model.kv_heads / tp);
  d.head_dim = model.head_dim;
  d.dtype = model.dtype;
  return d;
}

double score_pairs(const MicroAttentionWork& work) {
  AttentionShape causal;
  causal.seqs = work.causal;
  causal.mask = AttentionMask::causal;
  AttentionShape full;
  full.seqs = work.full;
  full.mask = AttentionMask::full;
  return attention_score_pairs(causal) + attention_score_pairs(full);
}

std::int64_t query_message_bytes(const DistAttentionDims& d, std::int64_t query_tokens, std::int64_t appended_tokens) {
  check_counts(query_tokens, appended_tokens, "query message");
  const std::int64_t elem = dtype_bytes(d.dtype);
  const std::int64_t q_row = static_cast<std::int64_t>(d.heads_q) * d.head_dim * elem;
  const std::int64_t kv_row = 2 * static_cast<std::int64_t>(d.heads_kv) * d.head_dim * elem;
  return query_tokens * q_row + appended_tokens * kv_row;
}

std::int64_t partial_message_bytes(const DistAttentionDims& d, std::int64_t query_tokens) {
  check_counts(query_tokens, 0, "partial message");
  const std::int64_t per_head = d.head_dim * dtype_bytes(d.partial_dtype) + d.lse_bytes;
  return query_tokens * d.heads_q * per_head;
}

std::int64_t kv_pull_bytes(const DistAttentionDims& d, std::int64_t kv_tokens) {
  check_counts(kv_tokens, 0, "kv pull");
  return kv_tokens * 2 * static_cast<std::int64_t>(d.heads_kv) * d.head_dim * dtype_bytes(d.dtype);
}

std::vector<OpPart> micro_attention_parts(const DistAttentionDims& d, const std::vector<MicroAttentionWork>& work,
                                          bool decode) {
  AttentionShape base;
  base.heads_q = d.heads_q;
  base.heads_kv = d.heads_kv;
  base.head_dim = d.head_dim;
  base.dtype = d.dtype;
  AttentionShape causal = base;
  causal.mask = AttentionMask::causal;
  AttentionShape full = base;
  full.mask = AttentionMask::full;
  std::int64_t appended_remote = 0;
  for (const MicroAttentionWork& w : work) {
    if (w.remote) appended_remote += w.appended_tokens;
    for (const AttentionSeq& s : w.causal) {
      if (s.q_len <= 0 || s.kv_len < s.q_len) throw InputError("distattention: a causal segment needs 0 < q_len <= kv_len");
      causal.seqs.push_back(s);
    }
    for (const AttentionSeq& s : w.full) {
      if (s.q_len <= 0 || s.kv_len <= 0) throw InputError("distattention: a full segment needs q_len > 0 and kv_len > 0");
      if (decode) {
        causal.seqs.push_back(s);  // one query sees every key: the mask is moot
      } else {
        full.seqs.push_back(s);
      }
    }
  }
  std::vector<OpPart> parts;
  if (appended_remote > 0) {
    // The home's own K/V writes are part of its engine step; a remote holder writes the
    // appended tokens it received (read the message, write the cache block).
    ElementwiseShape write;
    write.kind = "kv_cache_write";
    write.elements = appended_remote * 2 * d.heads_kv * d.head_dim;
    write.flops_per_element = 0;
    write.bytes_per_element = 2.0 * static_cast<double>(dtype_bytes(d.dtype));
    parts.push_back(write);
  }
  if (decode) {
    for (const AttentionSeq& s : causal.seqs) {
      if (s.q_len != 1) throw InputError("distattention: a decode micro-attention has one query per request");
    }
    causal.paged_decode = true;
  }
  if (!causal.seqs.empty()) parts.push_back(std::move(causal));
  if (!full.seqs.empty()) parts.push_back(std::move(full));
  return parts;
}

std::vector<OpPart> merge_parts(const DistAttentionDims& d, std::int64_t query_tokens, std::int64_t partial_rows) {
  if (query_tokens < 0 || partial_rows < query_tokens) {
    throw InputError("distattention merge: needs 0 <= query_tokens <= partial_rows");
  }
  if (partial_rows == query_tokens) return {};
  const double per_row = static_cast<double>(partial_rows) / static_cast<double>(query_tokens);
  const double hd = d.head_dim;
  ElementwiseShape merge;
  merge.kind = "lse_merge";
  merge.elements = query_tokens * d.heads_q * d.head_dim;
  merge.flops_per_element = 3.0 * per_row;  // weight, multiply, add per partial
  merge.bytes_per_element = per_row * (static_cast<double>(dtype_bytes(d.partial_dtype)) + d.lse_bytes / hd) +
                            static_cast<double>(dtype_bytes(d.dtype));
  return {merge};
}

}  // namespace lcperf::core
