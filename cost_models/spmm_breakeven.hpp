#pragma once
// Where Flash-LLM's SpMM pays off, from the same roofline (or measured table) that prices
// every op: a weight [out, in] applied to `tokens` columns, sparse (SpmmShape, Tiled-CSL
// bytes, dense tensor-core FLOPs, shared-memory extraction) against dense
// (GemmShape m = tokens, k = in, n = out, as serving steps build it).
//
// - Break-even sparsity: the smallest s with t_spmm(s) <= t_gemm. t_spmm never increases
//   with s (bytes and extraction shrink, FLOPs stay dense), so bisection finds it. None
//   when even s -> 1 loses (compute-bound N, where SpMM's tensor-core efficiency is the
//   lower one).
// - Compute-bound tokens: the smallest power-of-two N at which the SpMM's roofline is
//   decided by its compute term. Fewer bytes per FLOP (higher sparsity) reach it sooner;
//   a higher FLOP/byte ridge (H200 vs A100) later.
#include <cstdint>
#include <optional>

#include "core/ops.hpp"
#include "core/sparse_weights.hpp"
#include "cost_models/op_cost.hpp"

namespace lcperf::cost {

struct WeightMatmul {
  std::int64_t out = 0;
  std::int64_t in = 0;
  std::int64_t tokens = 0;
  core::DType dtype = core::DType::fp16;
};

core::GemmShape dense_gemm_of(const WeightMatmul& w);
core::SpmmShape spmm_of(const WeightMatmul& w, double sparsity);

// Largest sparsity the searches try: the cost model rejects s = 1.
inline constexpr double kMaxSearchSparsity = 0.999;

// t_gemm / t_spmm(sparsity).
double spmm_speedup(const CostModel& model, const WeightMatmul& w, double sparsity);

// Within `tolerance` (from above). 0 when SpMM wins even dense.
std::optional<double> spmm_break_even_sparsity(const CostModel& model, const WeightMatmul& w,
                                               double tolerance = 1e-4);

// Over N = 1, 2, 4, ..., max_tokens; `w.tokens` is ignored.
std::optional<std::int64_t> spmm_compute_bound_tokens(const CostModel& model, const WeightMatmul& w, double sparsity,
                                                      std::int64_t max_tokens = 1 << 16);

// Peak-rate form of the same crossover (no efficiencies, no extraction): the weight's
// bytes (elem + 2 per non-zero) take as long as its dense FLOPs when
// density = 2 N BW / ((elem + 2) peak). Returns that sparsity (may be negative: never).
double ideal_compute_bound_sparsity(const core::HardwareSpec& hw, std::int64_t tokens, core::DType dtype);

// The break-even test as a core::SparseChoice: run sparse when SpMM is no slower than
// the dense GEMM of the same shape. `model` must outlive the returned function.
core::SparseChoice spmm_beats_dense(const CostModel& model);

}  // namespace lcperf::cost
