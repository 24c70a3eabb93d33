#include "core/cp_ring_attention.hpp"

#include "core/elementwise_part.hpp"

namespace lcperf::core {

namespace {

// One merge pass: read the accumulated and the step's tensor, write the sum.
constexpr double kMergeBytesPerElement = 6;

OpPart merge_part(const char* kind, double elements, double flops_per_element) {
  return elementwise_part(kind, static_cast<std::int64_t>(elements), flops_per_element, kMergeBytesPerElement);
}

}  // namespace

std::vector<OpPart> cp_ring_attention_parts(const AttentionShape& call, const std::vector<std::int64_t>& seq_lens,
                                            int cp) {
  const std::int64_t chunks = 2 * static_cast<std::int64_t>(cp);
  AttentionShape local = call;  // step 0
  local.seqs.clear();
  local.mask = AttentionMask::causal;
  AttentionShape remote = local;  // steps 1 .. cp - 1
  remote.mask = AttentionMask::full;
  double local_queries = 0;
  double remote_queries = 0;
  for (const std::int64_t s : seq_lens) {
    const std::int64_t first = s / chunks;                  // chunk 0
    const std::int64_t last = s - s * (chunks - 1) / chunks;  // chunk 2 cp - 1
    if (first + last == 0) continue;
    local.seqs.push_back({first + last, first + last});
    if (last > 0) remote.seqs.push_back({last, first + last});
    local_queries += static_cast<double>(first + last);
    remote_queries += static_cast<double>(last);
  }
  std::vector<OpPart> parts{local};
  for (int step = 1; step < cp && !remote.seqs.empty(); ++step) parts.push_back(remote);

  const double q_row = static_cast<double>(call.heads_q) * call.head_dim;
  const double kv_row = 2.0 * call.heads_kv * call.head_dim;
  const double merged_queries = local_queries + (cp - 1) * remote_queries;
  if (!call.backward) {
    parts.push_back(merge_part("cp_out_merge", merged_queries * q_row, 3));
  } else {
    // Every step adds its dq rows and a gradient for the 2c keys it saw.
    parts.push_back(merge_part("cp_grad_merge", merged_queries * q_row + cp * local_queries * kv_row, 1));
  }
  return parts;
}

}  // namespace lcperf::core
