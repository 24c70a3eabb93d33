#include "cost_models/block_sparse_attention.hpp"

namespace lcperf::cost {

double block_sparse_attention_s(const core::AttentionShape& a, const EfficiencyCurve& curve, double flops,
                                double peak, double smem_bytes_per_s) {
  const double total_pairs = core::attention_score_pairs(a);
  if (!(total_pairs > 0) || !(flops > 0)) return 0.0;
  const double gather = 1.0 + a.gathered_fraction * (kGatheredKeyCost - 1.0);
  const double tile_smem = smem_bytes_per_s > 0 ? flops * kSparseTileExtraSmemBytesPerFlop / smem_bytes_per_s : 0.0;
  if (curve.variable != SizeVariable::kv_len) return gather * flops / (peak * curve.at(flops)) + tile_smem;
  core::AttentionShape one;
  one.mask = a.mask;
  one.seqs.resize(1);
  double seconds = 0;
  for (const core::AttentionSeq& s : a.seqs) {
    if (s.q_len <= 0) continue;
    one.seqs[0] = s;
    const double pairs = core::attention_score_pairs(one);
    const double keys_per_row = a.density * pairs / static_cast<double>(s.q_len);
    seconds += flops * (pairs / total_pairs) / (peak * curve.at(keys_per_row));
  }
  return gather * seconds + tile_smem;
}

}  // namespace lcperf::cost
