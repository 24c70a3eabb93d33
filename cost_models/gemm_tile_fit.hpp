#pragma once
// Fitting the GEMM tile model (gemm_tile_model.hpp) to measured GEMM times: the tile
// efficiencies, the memory efficiency, the K overhead, the overlap exponent, the
// latency and the stream-K efficiency and fix-up minimise the mean squared log error over the rows (a 10 % miss weighs the same
// on a 4 us decode GEMM as on a 7 ms prefill one). The objective has steps (wave counts
// are integers), so the fit is a derivative-free simplex search (nelder_mead.hpp) over
// transformed parameters that keep every value in its range.
#include <vector>

#include "core/hardware_spec.hpp"
#include "core/ops.hpp"
#include "cost_models/gemm_tile_model.hpp"

namespace lcperf::cost {

struct GemmSample {
  core::GemmShape shape;
  double time_s = 0;
};

struct GemmTileFit {
  GemmTileModel model;
  double mean_squared_log_error = 0;
};

// The tile shapes the fit starts from: a small-M shape and the two square-ish shapes
// Hopper and Ampere cuBLAS kernels use most (64x128, 128x128, 256x128).
std::vector<GemmTile> default_gemm_tiles();

// Mean squared log error of `model` on `samples`.
double gemm_tile_error(const GemmTileModel& model, const std::vector<GemmSample>& samples,
                       const core::HardwareSpec& hw);

// Fits every parameter except sm_count, the tile shapes and min_split_depth (taken from
// `start`). measured_min_dim is set to the largest min(m, n, k) of the samples.
// std::invalid_argument when there are no samples or start has no SMs or tiles.
GemmTileFit fit_gemm_tile_model(const std::vector<GemmSample>& samples, const GemmTileModel& start,
                                const core::HardwareSpec& hw);

}  // namespace lcperf::cost
