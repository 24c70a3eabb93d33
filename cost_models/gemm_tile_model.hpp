#pragma once
// A GEMM priced by how cuBLAS-style kernels run it, not by one efficiency per size: the
// output is cut into tiles of (tile m) x (tile n), each thread block computes one tile
// over the whole K (or over a K slice, split-K), and the blocks run in waves of one per
// SM. Three mechanisms a size-indexed curve cannot see follow from that:
// - wave quantisation: ceil(tiles / SMs) waves, so a GEMM one tile past a full wave
//   costs a second wave (Vidur's H100 tables: 8192 x 24576 at M = 512 -> 520 goes
//   231 -> 652 us);
// - K efficiency: every tile pays a prologue and epilogue, worth k_overhead steps of K;
// - split-K: a GEMM with fewer tiles than SMs (small M) splits K so every SM works, and
//   pays for writing and reducing the fp32 partial tiles;
// - stream-K: a GEMM of two or more waves may instead run as a stream-K kernel, which
//   deals the tiles' K iterations out evenly over the SMs (no idle SMs in a last partial
//   wave) at a fitted fraction of the tile's rate, each SM writing and reading back one
//   fp32 partial tile and paying a fixed fix-up time (cuBLAS ships such kernels and its
//   heuristic picks them for awkward tails: the measured times step less than whole waves);
// and the memory side: every operand byte crosses HBM once, at a fitted fraction of the
// bandwidth (small-M GEMMs stream their weights, decode GEMMs are this term).
//
// Compute and memory overlap imperfectly, as the p-norm (t_c^p + t_m^p)^(1/p) (p -> inf:
// perfect overlap, p = 1: none). The library picks among its tile shapes; the model
// takes the fastest, each shape with its own fitted efficiency of the tensor-core peak
// (smaller tiles re-read more operand bytes from shared memory per FLOP).
//
//   t = latency + ((waves * 2 tm tn (K/s + k_overhead) SMs / (peak e_tile))^p
//                  + (bytes / (BW e_mem))^p)^(1/p) + (s > 1 ? 8 m n s / (BW e_mem) : 0)
//   stream-K (waves >= 2): t = latency + ((tiles 2 tm tn (K + k_overhead) / (peak e_tile e_sk))^p
//                  + (bytes / (BW e_mem))^p)^(1/p) + 8 tm tn SMs / (BW e_mem) + fixup
//
// `lcperf calibrate` fits e_tile, e_mem, k_overhead, p, latency, e_sk and fixup to measured tables
// (gemm_tile_fit.hpp); cost_models/README.md has the fitted values and their errors.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/ops.hpp"

namespace lcperf::cost {

struct GemmTile {
  std::int64_t m = 128;
  std::int64_t n = 128;
  double efficiency = 1;  // of the tensor-core peak while a tile's main loop runs, (0, 1]
};

struct GemmTileModel {
  int sm_count = 0;                       // one resident thread block per SM
  std::vector<GemmTile> tiles;            // the shapes the library chooses among (non-empty)
  double k_overhead = 0;                  // K steps' worth of prologue + epilogue per tile, >= 0
  std::int64_t min_split_depth = 256;     // split-K never cuts K into slices shorter than this
  double memory_efficiency = 1;           // of HBM bandwidth for the operands' unique bytes, (0, 1]
  double overlap_exponent = 2;            // p >= 1 of the compute/memory p-norm
  double latency_s = 0;                   // launch to first tile and the tail, >= 0
  // Stream-K kernels: their rate as a fraction of the tile's, (0, 1]; 0 = the library
  // has none (profiles fitted before them), and every GEMM runs in whole waves.
  double stream_k_efficiency = 0;
  double stream_k_fixup_s = 0;            // the partial tiles' fix-up beyond their traffic, >= 0
  // The largest min(m, n, k) of the rows the model was fitted on: beyond it the profile's
  // compute curve (the published large-GEMM regime) takes over (gemm_tile_price).
  double measured_min_dim = 0;
};

// How one tile shape runs a GEMM.
struct GemmTilePlan {
  std::int64_t tiles = 0;  // output tiles, over the batch
  int split_k = 1;         // K slices per tile
  std::int64_t waves = 0;  // ceil(tiles * split_k / sm_count)
  double compute_s = 0;
  double memory_s = 0;
  double reduce_s = 0;     // split-K's (or stream-K's) fp32 partials written and read back
  double time_s = 0;
  bool stream_k = false;   // the stream-K kernel of this tile shape (compute_s without wave steps)
};

struct GemmTileCost {
  GemmTilePlan plan;
  std::size_t tile = 0;  // index into GemmTileModel::tiles of the fastest shape
};

// ceil(m / tile_m) * ceil(n / tile_n).
std::int64_t gemm_output_tiles(std::int64_t m, std::int64_t n, const GemmTile& tile);
// ceil(blocks / sm_count).
std::int64_t gemm_waves(std::int64_t blocks, int sm_count);
// The largest power of two s with tiles * s <= sm_count and k / s >= min_depth (1 when
// the tiles already fill the SMs or K is too short to cut).
int split_k_factor(std::int64_t tiles, std::int64_t k, int sm_count, std::int64_t min_depth);

GemmTilePlan gemm_tile_plan(const core::GemmShape& g, const GemmTile& tile, const GemmTileModel& model,
                            double peak_flops, double hbm_bytes_per_s);
// The stream-K kernel of `tile`; nullopt when the model has none (stream_k_efficiency 0)
// or the whole-wave plan `waves` is under two (one wave has no tail to even out).
std::optional<GemmTilePlan> gemm_stream_k_plan(const core::GemmShape& g, const GemmTile& tile, const GemmTileModel& model,
                                               std::int64_t waves, double peak_flops, double hbm_bytes_per_s);
// The fastest plan over the tile shapes, each as whole waves or as stream-K. Requires model.sm_count > 0 and at least one tile.
GemmTileCost gemm_tile_cost(const core::GemmShape& g, const GemmTileModel& model, double peak_flops,
                            double hbm_bytes_per_s);

// Weight in [0, 1] of the compute curve against the tile model for a GEMM whose
// min(m, n, k) is `min_dim`: 0 up to the measured size, 1 from `curve_end` (the size of
// the curve's last point, the published large-GEMM anchor) on, linear in log2 between.
double gemm_handover_weight(double min_dim, double measured_min_dim, double curve_end);

}  // namespace lcperf::cost
