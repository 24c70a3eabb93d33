#include "cost_models/spmm_pipeline.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"

namespace lcperf::cost {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

double dense_elements(const core::SpmmShape& s) { return static_cast<double>(s.m) * static_cast<double>(s.k); }

double n_tiles(const core::SpmmShape& s, std::int64_t n_tile) {
  return static_cast<double>(std::max<std::int64_t>(1, ceil_div(s.n, n_tile)));
}

}  // namespace

SpmmLaunch flash_llm_launch(std::int64_t n) {
  if (n <= 16) return {256, 16};
  if (n <= 32) return {256, 32};
  if (n <= 64) return {128, 64};
  return {128, 128};
}

double spmm_extraction_s(const core::SpmmShape& s, const SpmmExtraction& x) {
  if (!(x.smem_bytes_per_s > 0)) return 0.0;
  const double elem = static_cast<double>(core::dtype_bytes(s.dtype));
  const double dense = dense_elements(s);
  return n_tiles(s, x.n_tile) * 2.0 * dense * elem / x.smem_bytes_per_s + spmm_scatter_s(s, x);
}

double spmm_scatter_s(const core::SpmmShape& s, const SpmmExtraction& x) {
  if (!(x.smem_bytes_per_s > 0)) return 0.0;
  const double elem = static_cast<double>(core::dtype_bytes(s.dtype));
  const double nonzeros = dense_elements(s) * (1.0 - s.sparsity);
  return n_tiles(s, x.n_tile) * nonzeros * elem * x.bank_conflict_factor / x.smem_bytes_per_s;
}

SpmmPipelineCost spmm_pipeline_cost(const core::SpmmShape& s, const SpmmExtraction& x, double mma_s, double floor_s,
                                    const std::function<double(double)>& stream_s_of) {
  if (x.sm_count <= 0 || x.blocks_per_sm <= 0) throw core::InputError("spmm pipeline: sm_count and blocks_per_sm must be > 0");
  const SpmmLaunch launch = flash_llm_launch(s.n);
  const std::int64_t row_tiles = ceil_div(s.m, launch.tile_m);
  const std::int64_t col_tiles = ceil_div(s.n, launch.tile_n);
  const std::int64_t k_steps = ceil_div(s.k, kSpmmTileK);
  const std::int64_t slots = std::int64_t{x.sm_count} * x.blocks_per_sm;

  const double elem = static_cast<double>(core::dtype_bytes(s.dtype));
  const double activations = static_cast<double>(s.k) * static_cast<double>(s.n) * elem;
  const double output = static_cast<double>(s.m) * static_cast<double>(s.n) * elem;
  const double weights = core::bytes_of(core::OpPart{s}) - activations - output;
  const double smem = spmm_extraction_s(s, x);
  const double scatter = spmm_scatter_s(s, x);
  const double density = 1.0 - s.sparsity;

  const int max_split = static_cast<int>(std::clamp<std::int64_t>(k_steps / 4, 1, kSpmmMaxSplitK));
  SpmmPipelineCost best;
  for (int split = 1; split <= max_split; ++split) {
    SpmmPipelineCost c;
    c.split_k = split;
    c.blocks = row_tiles * col_tiles * split;
    c.waves = ceil_div(c.blocks, slots);
    c.iterations = ceil_div(k_steps, split);
    c.wave_utilisation = static_cast<double>(c.blocks) / static_cast<double>(c.waves * slots);
    const double resident = static_cast<double>(std::min(c.blocks, slots));
    const double positions = static_cast<double>(c.iterations * launch.tile_m * kSpmmTileK);
    const double cv = density > 0 ? std::sqrt((1.0 - density) / (positions * density)) : 0.0;
    c.imbalance = resident > 1 ? 1.0 + std::sqrt(2.0 * std::log(resident)) * cv : 1.0;
    // Split-K blocks write fp16 partials (split x M x N) instead of the output.
    c.stream_s = stream_s_of(weights * c.imbalance + activations + output * split);
    c.mma_s = mma_s / c.wave_utilisation;
    const double scatter_slowest = scatter * c.imbalance / c.wave_utilisation;
    c.smem_s = (smem - scatter) / c.wave_utilisation + scatter_slowest;
    const double body = std::max({c.stream_s, c.mma_s, c.smem_s});
    c.exposed_scatter_s = std::min(scatter_slowest, c.stream_s) / x.blocks_per_sm;
    c.fill_s = std::min(c.stream_s, std::max(c.mma_s, c.smem_s)) / static_cast<double>(c.iterations);
    // The reduction reads the split partials and writes the output: its own kernel.
    c.reduction_s = split > 1 ? std::max(floor_s, stream_s_of(output * (split + 1))) : 0.0;
    c.time_s = std::max(floor_s, body + c.exposed_scatter_s + c.fill_s) + c.reduction_s;
    c.bound = body == c.smem_s ? "extraction" : (body == c.mma_s ? "compute" : "memory");
    if (split == 1 || c.time_s < best.time_s) best = c;
  }
  return best;
}

}  // namespace lcperf::cost
