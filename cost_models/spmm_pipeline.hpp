#pragma once
// Flash-LLM's SpMM kernel as a pipeline (reference flash-llm.md sections 3-4), on top of
// the three roofline terms of op_cost.hpp (HBM stream, tensor cores, shared-memory
// extraction):
//
// - Launch shape by N (the kernel's tiling table): 256 x 16 up to N = 16, 256 x 32 up to
//   32, 128 x 64 up to 64, 128 x 128 beyond; K in 64-wide steps.
// - Split-K: the K steps of an output tile are split over `split` thread blocks that
//   write fp16 partials to a workspace (split x M x N) summed by a second reduction
//   kernel. The hand-tuned split is modelled as the split in 1..16 (at least 4 K steps a
//   block) that makes the whole op fastest under this model.
// - Waves: blocks run `sm_count x blocks_per_sm` at a time; a partly filled last wave
//   leaves SMs idle, so the per-SM terms (tensor cores, shared memory) grow by
//   waves x slots / blocks.
// - Load imbalance: with random sparsity a block's non-zeros are binomial over its
//   iterations x TILE_M x 64 positions; the slowest block of a wave sets its length, so
//   the non-zero work (weight bytes, scatter) is scaled by the expected maximum of W
//   normal draws, 1 + sqrt(2 ln W) x cv (cv = sqrt((1 - rho) / (positions x rho))).
// - Partial overlap: the next tile's non-zeros are loaded into registers while the
//   tensor cores and the zero-fill run, but the scatter into shared memory needs those
//   registers, and the loads after it reuse them; a block therefore streams nothing
//   while it scatters. Other resident blocks keep HBM busy, so 1 / blocks_per_sm of the
//   scatter time is exposed. The double buffer also exposes one iteration per block
//   (its first load, its last compute): min(stream, SM work) / iterations.
//
//   t = max(floor, max(stream, mma, smem) + exposed scatter + fill) + t_reduction
#include <cstdint>
#include <functional>
#include <string>

#include "core/ops.hpp"
#include "cost_models/device_profile.hpp"

namespace lcperf::cost {

struct SpmmLaunch {
  std::int64_t tile_m = 0;
  std::int64_t tile_n = 0;
};
inline constexpr std::int64_t kSpmmTileK = 64;
inline constexpr int kSpmmMaxSplitK = 16;

// The kernel's thread-block tile for N tokens (flash-llm.md section 4).
SpmmLaunch flash_llm_launch(std::int64_t n);

// Shared-memory time of the whole op: zero-fill and ldmatrix of the dense A tile
// (2 x M x K elements) plus the scattered non-zeros, once per `n_tile` columns.
double spmm_extraction_s(const core::SpmmShape& s, const SpmmExtraction& x);
// The scatter part of it alone.
double spmm_scatter_s(const core::SpmmShape& s, const SpmmExtraction& x);

struct SpmmPipelineCost {
  int split_k = 1;
  std::int64_t blocks = 0;
  std::int64_t waves = 0;
  std::int64_t iterations = 0;    // K steps per block
  double wave_utilisation = 1;    // blocks / (waves x slots)
  double imbalance = 1;           // slowest block's non-zeros / mean
  double stream_s = 0;            // HBM: weights (x imbalance), activations, output or workspace
  double mma_s = 0;               // tensor cores / utilisation
  double smem_s = 0;              // zero-fill + ldmatrix + scatter / utilisation
  double exposed_scatter_s = 0;
  double fill_s = 0;
  double reduction_s = 0;         // Split-K reduction kernel (0 when split_k = 1)
  double time_s = 0;
  std::string bound;              // "memory", "compute" or "extraction": the largest body term
};

// `mma_s`: the tensor-core time of the whole op at one full wave; `stream_s_of(bytes)`:
// seconds to stream `bytes` from HBM; `floor_s`: a kernel's minimum time. Needs
// x.sm_count > 0.
SpmmPipelineCost spmm_pipeline_cost(const core::SpmmShape& s, const SpmmExtraction& x, double mma_s, double floor_s,
                                    const std::function<double(double)>& stream_s_of);

}  // namespace lcperf::cost
