#pragma once
// SpMM (Flash-LLM's load-as-sparse, compute-as-dense kernel) is described in the shipped
// profiles relative to cuBLAS: its compute curve "~0.8x cuBLAS", its memory curve a
// little below the dense GEMM's. When the dense GEMM curves are replaced (fitted to
// measurements, or derived from another GPU's) and SpMM is not measured, the SpMM
// curves must follow, or the profile contradicts itself: a Tiled-CSL SpMM moves at least
// as many bytes as the dense GEMM below 50 % sparsity (4 bytes per non-zero against 2
// per dense element), so it cannot win there, yet an SpMM kept at datasheet efficiency
// beside a slower measured GEMM would. Each SpMM efficiency is therefore scaled by the
// ratio new / old of the dense curve of the same term at the same size (when the two
// curves share their size variable; otherwise by the ratio of their last points, the
// plateaus), capped at 1.
#include "cost_models/device_profile.hpp"

namespace lcperf::cost {

void rescale_spmm_like_gemm(OpClassProfile& spmm, const OpClassProfile& old_gemm, const OpClassProfile& new_gemm);

}  // namespace lcperf::cost
