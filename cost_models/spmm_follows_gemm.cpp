// SpMM curves kept relative to the dense GEMM's; see spmm_follows_gemm.hpp.
#include "cost_models/spmm_follows_gemm.hpp"

#include <algorithm>

namespace lcperf::cost {

namespace {

void rescale(EfficiencyCurve& curve, const EfficiencyCurve& old_dense, const EfficiencyCurve& new_dense) {
  const bool same_variable = old_dense.variable == curve.variable && new_dense.variable == curve.variable;
  for (CurvePoint& p : curve.points) {
    const double ratio = same_variable ? new_dense.at(p.size) / old_dense.at(p.size)
                                       : new_dense.points.back().efficiency / old_dense.points.back().efficiency;
    p.efficiency = std::clamp(p.efficiency * ratio, 1e-6, 1.0);
  }
}

}  // namespace

void rescale_spmm_like_gemm(OpClassProfile& spmm, const OpClassProfile& old_gemm, const OpClassProfile& new_gemm) {
  rescale(spmm.compute_efficiency, old_gemm.compute_efficiency, new_gemm.compute_efficiency);
  rescale(spmm.memory_efficiency, old_gemm.memory_efficiency, new_gemm.memory_efficiency);
}

}  // namespace lcperf::cost
