#pragma once
// Dual chunk attention (DCA, Qwen2.5-1M / ChunkLlama) position remapping, fp32 CPU
// references. With c = chunk_size, w = local_size and s = c - w, a token at position p
// has in-chunk offset i = p mod s and chunk p / s. Keys are rotated at p mod s; a
// query is rotated at a position that depends on which chunk the key is in:
//   same chunk       (intra): i                   -> true distance i - t
//   previous chunk   (succ):  min(i + s, c)       -> true distance while i <= w, capped after
//   older chunks     (inter): c                   -> distance c - t, inside the trained range
// The *_critical variants (continuous distances) are used only when selecting sparse
// indices, never for the attention itself.
//
// q, k: un-rotated projections; layouts as in attention.hpp for one sequence whose
// q_len queries are the last of kv_len positions (q_len == kv_len for a prefill).
#include <cstdint>

#include "kernels/attention.hpp"

namespace lcperf::kernels {

struct DcaConfig {
  std::int64_t chunk_size = 262144;
  std::int64_t local_size = 8192;
  double rope_theta = 1e7;
  std::int64_t chunk_len() const { return chunk_size - local_size; }
};

struct DcaPositions {
  std::int64_t key = 0;
  std::int64_t q_intra = 0;
  std::int64_t q_succ = 0;
  std::int64_t q_inter = 0;
  std::int64_t q_succ_critical = 0;
  std::int64_t q_inter_critical = 0;
};

DcaPositions dca_positions(std::int64_t position, const DcaConfig& config);

// The deployed way: per DCA chunk of the queries, up to three attention calls
// (intra: causal over the query's own chunk; succ: full over the previous chunk;
// inter: full over all older chunks) merged by their LSEs.
void dca_attention_cpu(const AttentionDims& dims, std::int64_t q_len, std::int64_t kv_len, const float* q,
                       const float* k, const float* v, const DcaConfig& config, float* out, float* lse);

// The definition: every (query, key) pair scored with the remapped positions and one
// explicit softmax per row. For tests.
void dca_attention_direct_cpu(const AttentionDims& dims, std::int64_t q_len, std::int64_t kv_len, const float* q,
                              const float* k, const float* v, const DcaConfig& config, float* out, float* lse);

}  // namespace lcperf::kernels
