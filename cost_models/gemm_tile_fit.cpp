// Least-squares fit of the GEMM tile model; see gemm_tile_fit.hpp.
#include "cost_models/gemm_tile_fit.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "cost_models/nelder_mead.hpp"

namespace lcperf::cost {

namespace {

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double logit(double p) { return std::log(p / (1.0 - p)); }

// Parameters <-> unconstrained coordinates: latency, k_overhead and the stream-K fix-up
// by log, the efficiencies by logit (so they stay in (0, 1)), the overlap exponent as
// 1 + exp.
// latency, memory efficiency, k_overhead, overlap exponent, stream-K efficiency and fix-up
constexpr std::size_t kFixed = 6;

GemmTileModel from_coordinates(const std::vector<double>& q, GemmTileModel model) {
  model.latency_s = std::exp(q[0]);
  model.memory_efficiency = logistic(q[1]);
  model.k_overhead = std::exp(q[2]);
  model.overlap_exponent = 1.0 + std::exp(q[3]);
  model.stream_k_efficiency = logistic(q[4]);
  model.stream_k_fixup_s = std::exp(q[5]);
  for (std::size_t i = 0; i < model.tiles.size(); ++i) model.tiles[i].efficiency = logistic(q[kFixed + i]);
  return model;
}

std::vector<double> to_coordinates(const GemmTileModel& m) {
  auto inside = [](double p) { return std::clamp(p, 1e-3, 1 - 1e-3); };
  std::vector<double> q{std::log(std::max(m.latency_s, 1e-7)), logit(inside(m.memory_efficiency)),
                        std::log(std::max(m.k_overhead, 1e-3)), std::log(std::max(m.overlap_exponent - 1.0, 1e-3)),
                        logit(inside(m.stream_k_efficiency)), std::log(std::max(m.stream_k_fixup_s, 1e-7))};
  for (const GemmTile& t : m.tiles) q.push_back(logit(inside(t.efficiency)));
  return q;
}

}  // namespace

std::vector<GemmTile> default_gemm_tiles() { return {{64, 128, 0.7}, {128, 128, 0.7}, {256, 128, 0.7}}; }

double gemm_tile_error(const GemmTileModel& model, const std::vector<GemmSample>& samples,
                       const core::HardwareSpec& hw) {
  if (samples.empty()) return 0.0;
  double sum = 0;
  for (const GemmSample& s : samples) {
    const double t =
        gemm_tile_cost(s.shape, model, hw.peak_flops(s.shape.dtype), hw.hbm_bandwidth_bytes_per_s).plan.time_s;
    const double e = std::log(t / s.time_s);
    sum += e * e;
  }
  return sum / static_cast<double>(samples.size());
}

GemmTileFit fit_gemm_tile_model(const std::vector<GemmSample>& samples, const GemmTileModel& start,
                                const core::HardwareSpec& hw) {
  if (samples.empty()) throw std::invalid_argument("fit_gemm_tile_model: no samples");
  if (start.sm_count <= 0 || start.tiles.empty()) {
    throw std::invalid_argument("fit_gemm_tile_model: the start needs an SM count and tile shapes");
  }
  auto objective = [&](const std::vector<double>& q) { return gemm_tile_error(from_coordinates(q, start), samples, hw); };
  std::vector<double> q = to_coordinates(start);
  const std::vector<double> step(q.size(), 0.5);
  // Restarting from the best point with a fresh simplex escapes the collapsed simplices
  // the integer wave counts leave behind.
  SimplexResult best{q, objective(q)};
  for (int round = 0; round < 4; ++round) {
    SimplexResult r = nelder_mead(objective, best.x, step, 900);
    if (r.value < best.value) best = std::move(r);
  }
  GemmTileFit fit;
  fit.model = from_coordinates(best.x, start);
  fit.mean_squared_log_error = best.value;
  for (const GemmSample& s : samples) {
    fit.model.measured_min_dim =
        std::max(fit.model.measured_min_dim, static_cast<double>(std::min({s.shape.m, s.shape.n, s.shape.k})));
  }
  return fit;
}

}  // namespace lcperf::cost
