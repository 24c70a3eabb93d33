#pragma once
// Pricing of DistAttention (DistKV-LLM, reference: shared/reference/distkv-llm.md §2):
// a request's KV cache lies on several instances ("holders"); each holder runs a
// micro-attention of the request's queries over the keys it holds and returns a partial
// output with its log-sum-exp; the request's home merges the partials. Only queries,
// the new tokens' K/V (appended where their rBlock lives) and the partials cross the
// network, never the cached KV.
//
// Everything here is per layer and per tensor-parallel rank: the engine multiplies by
// its layers, and rank r of a home talks to rank r of a holder (same head slice). The
// plan that decides who holds what lives in schedulers/serving/distkv/distattention.hpp;
// this file only turns its counts into op parts and message sizes.
#include <cstdint>
#include <vector>

#include "core/dtype.hpp"
#include "core/model_spec.hpp"
#include "core/ops.hpp"
#include "core/parallel_config.hpp"

namespace lcperf::core {

// Shapes and wire widths of one TP rank's attention.
struct DistAttentionDims {
  int heads_q = 0;
  int heads_kv = 0;
  int head_dim = 0;
  DType dtype = DType::bf16;          // queries, new K/V and the merged output
  DType partial_dtype = DType::fp32;  // partial outputs sent back (kept in fp32 so the merge is exact)
  std::int64_t lse_bytes = 4;         // one fp32 log-sum-exp per query row and head
  bool operator==(const DistAttentionDims&) const = default;
};

// The TP rank's heads (query heads split; KV heads split, replicated when tp > kv_heads).
// Throws InputError for a TP degree that does not divide the query heads.
DistAttentionDims dist_attention_dims(const ModelSpec& model, const ParallelConfig& parallel);

// One holder's micro-attention for one request in one layer. The queries are the last
// rows of a step (a decode token or a prefill chunk); the holder's keys are split into
// segments so that the score pairs are exact: `causal` segments are bottom-right
// aligned (core/ops.hpp), `full` segments see every key.
struct MicroAttentionWork {
  std::vector<AttentionSeq> causal;
  std::vector<AttentionSeq> full;
  std::int64_t query_tokens = 0;     // queries the holder receives (and returns partials for)
  std::int64_t kv_tokens = 0;        // keys it reads
  std::int64_t appended_tokens = 0;  // new tokens whose K/V it stores this step
  bool remote = false;               // on another instance than the request's home
  bool operator==(const MicroAttentionWork&) const = default;
};

// Unmasked (query, key) pairs of one micro-attention.
double score_pairs(const MicroAttentionWork& work);

// Bytes home -> holder: the queries of every query head, plus the new tokens' K and V
// for the blocks the holder stores. Bytes holder -> home: one partial output row
// (head_dim values) and one LSE per query token and query head. Neither depends on how
// many keys the holder has.
std::int64_t query_message_bytes(const DistAttentionDims& dims, std::int64_t query_tokens,
                                 std::int64_t appended_tokens);
std::int64_t partial_message_bytes(const DistAttentionDims& dims, std::int64_t query_tokens);

// What the same step would move if the home pulled the holder's cached K/V instead
// (the alternative DistAttention avoids): K and V of every key held.
std::int64_t kv_pull_bytes(const DistAttentionDims& dims, std::int64_t kv_tokens);

// The parts one holder runs for all the micro-attentions it serves in a step (its own
// requests' local share included): the K/V writes of appended tokens, then one
// attention call per mask kind over every request's segments. A decode step
// (`decode`) reads a paged cache with one query per request: one paged-decode call.
std::vector<OpPart> micro_attention_parts(const DistAttentionDims& dims, const std::vector<MicroAttentionWork>& work,
                                          bool decode);

// The merge at home of one request's partials: `partial_rows` query rows received over
// all holders (a query row gets one partial from each holder with keys it sees) merged
// into `query_tokens` rows. Per output element: a weight exp(lse_p - lse) times each
// partial, summed; it reads the fp32 partials and LSEs and writes the output. When no
// row has more than one partial (one holder) nothing is merged: no part.
std::vector<OpPart> merge_parts(const DistAttentionDims& dims, std::int64_t query_tokens, std::int64_t partial_rows);

}  // namespace lcperf::core
