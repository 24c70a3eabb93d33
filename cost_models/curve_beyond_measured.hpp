#pragma once
// A GEMM compute curve fitted to measured tables describes the sizes the tables hold and
// nothing beyond: Vidur's tables stop at 4096 tokens, so on the H100 no GEMM with
// min(m, n, k) above 4096 was measured, and a flat end value would price the large
// square GEMMs of training (8192^3, Nemotron's 16384 x 6144 x 6144) at the plateau of
// the token-limited ones. Beyond the largest measured size, the published large-GEMM
// regime of the base profile (cuBLAS microbenchmarks, cost_models/README.md) is the
// better claim, so the base's points beyond that size are appended and the curve ramps
// (linearly in log2 size) from the last measured efficiency to them. Inside the measured
// region nothing changes.
#include "cost_models/efficiency_curve.hpp"

namespace lcperf::cost {

// The size on `to` of a square GEMM (m = n = k) of size `size` on `from`:
// flops = 2 d^3 <-> min_dim = d. Identity when the variables agree.
double square_gemm_size(double size, SizeVariable from, SizeVariable to);

// `fitted` with every point of `base` whose size (converted to fitted's variable) lies
// beyond both `largest_measured` and fitted's last point appended. Only flops and
// min_dim curves convert; with any other variable `fitted` is returned unchanged.
EfficiencyCurve extend_beyond_measured(const EfficiencyCurve& fitted, double largest_measured,
                                       const EfficiencyCurve& base);

}  // namespace lcperf::cost
