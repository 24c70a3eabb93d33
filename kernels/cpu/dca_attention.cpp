// DCA prefill as deployed: rotate K once at p mod s and Q three ways, then run plain
// attention on the three key ranges of each DCA chunk and merge by LSE.
#include <algorithm>
#include <vector>

#include "kernels/attention_merge.hpp"
#include "kernels/dca.hpp"
#include "kernels/rotary.hpp"

namespace lcperf::kernels {

namespace {

// Attention of query rows [q_begin, q_end) over key rows [k_begin, k_end), one sequence.
void attend(const AttentionDims& dims, bool causal, const float* q, std::int64_t q_begin, std::int64_t q_end,
            const float* k, const float* v, std::int64_t k_begin, std::int64_t k_end, float* out, float* lse) {
  AttentionDims part = dims;
  part.causal = causal;
  const std::int32_t cu_q[2] = {0, static_cast<std::int32_t>(q_end - q_begin)};
  const std::int32_t cu_k[2] = {0, static_cast<std::int32_t>(k_end - k_begin)};
  const std::int64_t q_row = std::int64_t{dims.heads_q} * dims.head_dim;
  const std::int64_t k_row = std::int64_t{dims.heads_kv} * dims.head_dim;
  attention_fwd_cpu(part, VarlenBatch{1, cu_q, cu_k}, q + q_begin * q_row, k + k_begin * k_row, v + k_begin * k_row,
                    out, lse);
}

}  // namespace

void dca_attention_cpu(const AttentionDims& dims, std::int64_t q_len, std::int64_t kv_len, const float* q,
                       const float* k, const float* v, const DcaConfig& config, float* out, float* lse) {
  const std::int64_t s = config.chunk_len();
  const std::int64_t offset = kv_len - q_len;
  const std::int64_t q_row = std::int64_t{dims.heads_q} * dims.head_dim;
  const std::int64_t k_row = std::int64_t{dims.heads_kv} * dims.head_dim;

  std::vector<std::int64_t> pos_key(static_cast<std::size_t>(kv_len));
  for (std::int64_t p = 0; p < kv_len; ++p) pos_key[static_cast<std::size_t>(p)] = dca_positions(p, config).key;
  std::vector<float> k_rot(static_cast<std::size_t>(kv_len * k_row));
  rotary_cpu(kv_len, dims.heads_kv, dims.head_dim, pos_key.data(), config.rope_theta, k, k_rot.data());

  std::vector<std::int64_t> pos_intra(static_cast<std::size_t>(q_len)), pos_succ(pos_intra), pos_inter(pos_intra);
  for (std::int64_t r = 0; r < q_len; ++r) {
    const DcaPositions p = dca_positions(offset + r, config);
    pos_intra[static_cast<std::size_t>(r)] = p.q_intra;
    pos_succ[static_cast<std::size_t>(r)] = p.q_succ;
    pos_inter[static_cast<std::size_t>(r)] = p.q_inter;
  }
  const std::size_t q_elems = static_cast<std::size_t>(q_len * q_row);
  std::vector<float> q_intra(q_elems), q_succ(q_elems), q_inter(q_elems);
  rotary_cpu(q_len, dims.heads_q, dims.head_dim, pos_intra.data(), config.rope_theta, q, q_intra.data());
  rotary_cpu(q_len, dims.heads_q, dims.head_dim, pos_succ.data(), config.rope_theta, q, q_succ.data());
  rotary_cpu(q_len, dims.heads_q, dims.head_dim, pos_inter.data(), config.rope_theta, q, q_inter.data());

  std::vector<float> part_out[3], part_lse[3];
  for (std::int64_t chunk = offset / s; chunk * s < kv_len; ++chunk) {
    const std::int64_t c0 = chunk * s, c1 = std::min(kv_len, c0 + s);
    const std::int64_t r0 = std::max(offset, c0) - offset, r1 = c1 - offset;  // query rows in this chunk
    const std::int64_t rows = r1 - r0;
    int parts = 0;
    auto next = [&]() -> int {
      part_out[parts].assign(static_cast<std::size_t>(rows * q_row), 0.0f);
      part_lse[parts].assign(static_cast<std::size_t>(rows * dims.heads_q), 0.0f);
      return parts++;
    };
    int p = next();
    attend(dims, true, q_intra.data(), r0, r1, k_rot.data(), v, c0, c1, part_out[p].data(), part_lse[p].data());
    if (chunk >= 1) {
      p = next();
      attend(dims, false, q_succ.data(), r0, r1, k_rot.data(), v, c0 - s, c0, part_out[p].data(), part_lse[p].data());
    }
    if (chunk >= 2) {
      p = next();
      attend(dims, false, q_inter.data(), r0, r1, k_rot.data(), v, 0, c0 - s, part_out[p].data(), part_lse[p].data());
    }
    const float* outs[3] = {part_out[0].data(), part_out[1].data(), part_out[2].data()};
    const float* lses[3] = {part_lse[0].data(), part_lse[1].data(), part_lse[2].data()};
    merge_attention_parts_cpu(parts, rows * dims.heads_q, dims.head_dim, outs, lses, out + r0 * q_row,
                              lse + r0 * dims.heads_q);
  }
}

}  // namespace lcperf::kernels
