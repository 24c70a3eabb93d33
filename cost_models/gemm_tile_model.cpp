// Tile / wave / split-K pricing of a GEMM; see gemm_tile_model.hpp.
#include "cost_models/gemm_tile_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lcperf::cost {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Split-K writes each partial tile in fp32 and a reduction reads them back.
constexpr double kPartialBytesPerElement = 2.0 * 4.0;

// Compute and memory overlapping imperfectly: the p-norm of the two.
double overlapped(double compute_s, double memory_s, double p) {
  return std::pow(std::pow(compute_s, p) + std::pow(memory_s, p), 1.0 / p);
}

}  // namespace

std::int64_t gemm_output_tiles(std::int64_t m, std::int64_t n, const GemmTile& tile) {
  return ceil_div(m, tile.m) * ceil_div(n, tile.n);
}

std::int64_t gemm_waves(std::int64_t blocks, int sm_count) { return ceil_div(blocks, sm_count); }

int split_k_factor(std::int64_t tiles, std::int64_t k, int sm_count, std::int64_t min_depth) {
  int s = 1;
  while (tiles * s * 2 <= sm_count && k / (2 * s) >= min_depth) s *= 2;
  return s;
}

GemmTilePlan gemm_tile_plan(const core::GemmShape& g, const GemmTile& tile, const GemmTileModel& model,
                            double peak_flops, double hbm_bytes_per_s) {
  GemmTilePlan plan;
  plan.tiles = gemm_output_tiles(g.m, g.n, tile) * g.batch;
  plan.split_k = split_k_factor(plan.tiles, g.k, model.sm_count, model.min_split_depth);
  plan.waves = gemm_waves(plan.tiles * plan.split_k, model.sm_count);
  const double depth = static_cast<double>(g.k) / plan.split_k + model.k_overhead;
  // One wave: every SM runs one tile of 2 tm tn depth FLOPs at its share of the peak.
  const double wave_s = 2.0 * static_cast<double>(tile.m) * static_cast<double>(tile.n) * depth * model.sm_count /
                        (peak_flops * tile.efficiency);
  plan.compute_s = static_cast<double>(plan.waves) * wave_s;
  const double stream = hbm_bytes_per_s * model.memory_efficiency;
  plan.memory_s = core::bytes_of(core::OpPart{g}) / stream;
  if (plan.split_k > 1) {
    plan.reduce_s = kPartialBytesPerElement * static_cast<double>(g.m) * static_cast<double>(g.n) *
                    static_cast<double>(g.batch) * plan.split_k / stream;
  }
  plan.time_s = model.latency_s + overlapped(plan.compute_s, plan.memory_s, model.overlap_exponent) + plan.reduce_s;
  return plan;
}

std::optional<GemmTilePlan> gemm_stream_k_plan(const core::GemmShape& g, const GemmTile& tile, const GemmTileModel& model,
                                               std::int64_t waves, double peak_flops, double hbm_bytes_per_s) {
  if (!(model.stream_k_efficiency > 0) || waves < 2) return std::nullopt;
  GemmTilePlan plan;
  plan.stream_k = true;
  plan.tiles = gemm_output_tiles(g.m, g.n, tile) * g.batch;
  plan.waves = waves;
  // Every tile's K iterations, dealt out evenly: the work of fractional waves.
  plan.compute_s = static_cast<double>(plan.tiles) * 2.0 * static_cast<double>(tile.m) * static_cast<double>(tile.n) *
                   (static_cast<double>(g.k) + model.k_overhead) /
                   (peak_flops * tile.efficiency * model.stream_k_efficiency);
  const double stream = hbm_bytes_per_s * model.memory_efficiency;
  plan.memory_s = core::bytes_of(core::OpPart{g}) / stream;
  // Each SM's segment ends inside a tile at most once: one fp32 partial tile per SM.
  plan.reduce_s = kPartialBytesPerElement * static_cast<double>(tile.m) * static_cast<double>(tile.n) *
                      static_cast<double>(model.sm_count) / stream +
                  model.stream_k_fixup_s;
  plan.time_s = model.latency_s + overlapped(plan.compute_s, plan.memory_s, model.overlap_exponent) + plan.reduce_s;
  return plan;
}

GemmTileCost gemm_tile_cost(const core::GemmShape& g, const GemmTileModel& model, double peak_flops,
                            double hbm_bytes_per_s) {
  GemmTileCost best;
  best.plan.time_s = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < model.tiles.size(); ++i) {
    const GemmTilePlan plan = gemm_tile_plan(g, model.tiles[i], model, peak_flops, hbm_bytes_per_s);
    if (plan.time_s < best.plan.time_s) best = {plan, i};
    const auto stream_k = gemm_stream_k_plan(g, model.tiles[i], model, plan.waves, peak_flops, hbm_bytes_per_s);
    if (stream_k && stream_k->time_s < best.plan.time_s) best = {*stream_k, i};
  }
  return best;
}

double gemm_handover_weight(double min_dim, double measured_min_dim, double curve_end) {
  if (!(min_dim > measured_min_dim)) return 0.0;
  if (!(curve_end > measured_min_dim) || min_dim >= curve_end) return 1.0;
  return std::log2(min_dim / measured_min_dim) / std::log2(curve_end / measured_min_dim);
}

}  // namespace lcperf::cost
