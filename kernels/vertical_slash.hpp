#pragma once
// Vertical-slash sparse prefill attention (MInference, as Qwen2.5-1M deploys it),
// fp32 CPU references, for one sequence whose q_len queries are the last q_len of
// kv_len positions (bottom-right causal; kv_len == q_len for a plain prefill).
// Layouts as in attention.hpp: q [q_len, heads_q, d], k/v [kv_len, heads_kv, d],
// out [q_len, heads_q, d], lse [q_len, heads_q].
//
// 1. estimate_vertical_slash_cpu: per query head, score the last `last_q` queries
//    against all keys, softmax each row, and keep the top key columns (vertical
//    lines) and the top diagonals (slash lines, offset = query pos - key pos) by
//    accumulated probability; sinks and the local window are forced in.
// 2. vertical_slash_to_blocks: per 64-row query block, turn the slashes into
//    disjoint 64-wide key tiles and the verticals not covered by a tile into
//    gathered columns.
// 3. block_sparse_attention_cpu: exact attention restricted to those keys (causal
//    mask still applied), returning out and lse.
// 4. attention_recall_cpu: exp(lse_sparse - lse_full), the softmax mass the sparse
//    key set captures.
#include <cstdint>
#include <vector>

#include "kernels/attention.hpp"

namespace lcperf::kernels {

constexpr int kSparseBlock = 64;  // query rows per block and key columns per tile

struct VerticalSlashConfig {
  std::int64_t vertical_budget = 1000;  // clamped to [forced_sinks, kv_len]
  std::int64_t slash_budget = 6096;     // clamped to [min_slash, kv_len]
  int last_q = 64;
  int forced_sinks = 30;   // first key columns always kept (attention sinks)
  int forced_local = 100;  // diagonals nearest the main one always kept
  int min_slash = 50;
};

struct VerticalSlashIndex {
  std::vector<std::int32_t> vertical;  // key columns, ascending
  std::vector<std::int32_t> slash;     // offsets query_pos - key_pos >= 0, descending
};

std::vector<VerticalSlashIndex> estimate_vertical_slash_cpu(const AttentionDims& dims, std::int64_t q_len,
                                                            std::int64_t kv_len, const float* q, const float* k,
                                                            const VerticalSlashConfig& config);

// Flat per-(head, query block) lists, padded to the largest count, so the same
// arrays copy to a device unchanged. Entry (h, m) lives at index h * q_blocks + m.
struct BlockSparseIndex {
  int heads = 0;
  int q_blocks = 0;
  int max_blocks = 0;
  int max_columns = 0;
  std::vector<std::int32_t> block_count;   // [heads * q_blocks]
  std::vector<std::int32_t> block_offset;  // [heads * q_blocks * max_blocks] first key of each 64-wide tile
  std::vector<std::int32_t> column_count;  // [heads * q_blocks]
  std::vector<std::int32_t> column_index;  // [heads * q_blocks * max_columns] ascending

  // Keys scored per query row of block (h, m): the sparse kernel's work.
  std::int64_t keys_scored(int h, int m) const {
    const std::size_t e = static_cast<std::size_t>(h) * q_blocks + m;
    return std::int64_t{kSparseBlock} * block_count[e] + column_count[e];
  }
};

BlockSparseIndex vertical_slash_to_blocks(const std::vector<VerticalSlashIndex>& heads, std::int64_t q_len,
                                          std::int64_t kv_len);

void block_sparse_attention_cpu(const AttentionDims& dims, std::int64_t q_len, std::int64_t kv_len, const float* q,
                                const float* k, const float* v, const BlockSparseIndex& index, float* out,
                                float* lse);

// recall[i] = exp(lse_sparse[i] - lse_full[i]) in [0, 1]; rows with lse_full = -inf
// (no keys) count as fully recalled. Returns the mean.
double attention_recall_cpu(std::int64_t rows, const float* lse_sparse, const float* lse_full, float* recall);

}  // namespace lcperf::kernels
