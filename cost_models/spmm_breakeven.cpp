#include "cost_models/spmm_breakeven.hpp"

#include <string>

#include "core/errors.hpp"

namespace lcperf::cost {

core::GemmShape dense_gemm_of(const WeightMatmul& w) {
  core::GemmShape g;
  g.m = w.tokens;
  g.n = w.out;
  g.k = w.in;
  g.dtype = w.dtype;
  return g;
}

core::SpmmShape spmm_of(const WeightMatmul& w, double sparsity) {
  return core::SpmmShape{w.out, w.tokens, w.in, sparsity, w.dtype};
}

double spmm_speedup(const CostModel& model, const WeightMatmul& w, double sparsity) {
  return model.time_s(dense_gemm_of(w)) / model.time_s(spmm_of(w, sparsity));
}

std::optional<double> spmm_break_even_sparsity(const CostModel& model, const WeightMatmul& w, double tolerance) {
  const double dense = model.time_s(dense_gemm_of(w));
  auto wins = [&](double s) { return model.time_s(spmm_of(w, s)) <= dense; };
  if (wins(0.0)) return 0.0;
  if (!wins(kMaxSearchSparsity)) return std::nullopt;
  double lo = 0.0;  // loses
  double hi = kMaxSearchSparsity;  // wins
  while (hi - lo > tolerance) {
    const double mid = 0.5 * (lo + hi);
    (wins(mid) ? hi : lo) = mid;
  }
  return hi;
}

std::optional<std::int64_t> spmm_compute_bound_tokens(const CostModel& model, const WeightMatmul& w, double sparsity,
                                                      std::int64_t max_tokens) {
  for (std::int64_t n = 1; n <= max_tokens; n *= 2) {
    WeightMatmul at = w;
    at.tokens = n;
    const std::string how = model.cost(spmm_of(at, sparsity)).model;
    if (how.size() >= 8 && how.compare(how.size() - 8, 8, ":compute") == 0) return n;
  }
  return std::nullopt;
}

double ideal_compute_bound_sparsity(const core::HardwareSpec& hw, std::int64_t tokens, core::DType dtype) {
  const double peak = hw.peak_flops(dtype);
  if (!(peak > 0) || !(hw.hbm_bandwidth_bytes_per_s > 0)) {
    throw core::InputError("ideal_compute_bound_sparsity: hardware '" + hw.id + "' lacks a peak or HBM bandwidth");
  }
  const double elem = static_cast<double>(core::dtype_bytes(dtype));
  const double density = 2.0 * static_cast<double>(tokens) * hw.hbm_bandwidth_bytes_per_s / ((elem + 2.0) * peak);
  return 1.0 - density;
}

core::SparseChoice spmm_beats_dense(const CostModel& model) {
  return [&model](const core::SpmmShape& s) {
    core::GemmShape g;
    g.m = s.n;
    g.n = s.m;
    g.k = s.k;
    g.dtype = s.dtype;
    return model.time_s(s) <= model.time_s(g);
  };
}

}  // namespace lcperf::cost
