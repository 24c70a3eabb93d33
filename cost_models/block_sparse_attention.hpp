#pragma once
// Time of a block-sparse attention kernel (vertical-slash, core::AttentionShape with
// sparse_block > 0), from what it executes rather than from the dense kernel's FLOPs:
//
// - Work: `density` x the unmasked pairs, where the density counts whole 64 x 64 tiles
//   and whole 64-column gather groups (core/qwen1m_attention.hpp builds it).
// - Efficiency: a query block's main loop runs over the keys it computes, not over
//   kv_len, so the efficiency curve is read at the mean computed keys per row,
//   density x pairs / q_len (short loops amortise the prologue and epilogue worse). The
//   full-mask curve is used when the profile has one: the kernel executes whole tiles
//   and masks only the diagonal one, like a non-causal call.
// - Tile shape: the kernel's 64-row tiles over 4 warps give each warp 16 query rows, so
//   every K/V element a warp reads from shared memory feeds 2 x 16 FLOPs (1/16 byte per
//   FLOP), against 32 rows and 1/32 byte per FLOP in the dense FA2-class kernel whose
//   efficiency the profile holds (128-row tiles, 4 warps). The extra 1/32 byte per FLOP
//   runs at the GPU's shared-memory bandwidth and is not hidden (the same four warps
//   issue the loads and the MMAs): flops / (32 x smem_bytes_per_s) on top of the tensor
//   time. It matters where tensor throughput is high against shared memory (A100 +44 %,
//   H20 +20 %, H100 +81 % at 0.7 efficiency: the last is the SM80 kernel's FA2-class
//   ceiling on Hopper). 0 bandwidth leaves the term out.
// - Gathered keys: vertical columns are loaded by index. Each K/V row is a contiguous
//   head_dim x 2-byte segment, so bandwidth is not the loss; the loss is that a group's
//   column indices must come from memory before its row addresses are known, exposing
//   one L2 hit (~200 cycles, ~0.14 us on an A100) per 64-key group that takes ~1.0 us of
//   tensor-core work (4 x 64 x 64 x 128 FLOPs at 0.71 x 312 TFLOP/s / 108 SMs). A
//   gathered key therefore costs kGatheredKeyCost tiled keys.
#include "core/ops.hpp"
#include "cost_models/efficiency_curve.hpp"

namespace lcperf::cost {

inline constexpr double kGatheredKeyCost = 1.14;

// Shared-memory bytes per FLOP the sparse kernel's 64-row tile reads beyond the dense
// kernel's 128-row tile: 1/16 - 1/32 (see the header comment).
inline constexpr double kSparseTileExtraSmemBytesPerFlop = 1.0 / 16.0 - 1.0 / 32.0;

// Seconds for `flops` (the part's flops_of) at tensor-core peak `peak`; `curve` is
// indexed by kv_len (other variables fall back to the whole call's flops);
// `smem_bytes_per_s` is the GPU's aggregate shared-memory bandwidth (0: no tile term).
double block_sparse_attention_s(const core::AttentionShape& a, const EfficiencyCurve& curve, double flops,
                                double peak, double smem_bytes_per_s = 0.0);

}  // namespace lcperf::cost
