#pragma once
// Calibration from imported measured tables (`lcperf calibrate DIR --gpu ...`; Vidur's
// layout: vidur_directory.hpp): the device profile's GEMM and element-wise curves and
// its collective constants are fitted to measured kernel and NCCL times, with one whole
// model family held out of the fit and priced afterwards by the real CostModel on the
// written profile (cost_models/README.md, "Calibration from measured tables"):
// - GEMM: the tile model (gemm_tile_model.hpp: tiles, waves, split-K, memory regime)
//   fitted by gemm_tile_fit.hpp, with the base's SM count; and the max form
//   max(floor, FLOPs / (peak e_c), bytes / (BW e_m)) fitted by calibrate_device
//   (calibration.hpp) once with e_c over FLOPs and once over min(m, n, k), the variable
//   with the smaller training error of the curves alone kept (the base's tile model set
//   aside, or it would price every row and tie the two), which prices GEMMs beyond the
//   measured sizes.
// - Element-wise: a curve per measured kind as table points
//   (elementwise_kind_tables.hpp); the class curves, which price every kind without a
//   table (backward kernels, Adam, cross-entropy), take their memory curve from the
//   residual add, the measured kernel with the least work per byte, i.e. what a fused
//   streaming kernel reaches on this GPU (the compute curve stays the base's).
// - Collectives: collective_fit.hpp on the single-node rows, one size in N of every
//   (collective, ranks) series held out; rows across nodes are reported, not fitted.
// - SpMM (not measured) keeps the base's curves rescaled like the dense GEMM's
//   (spmm_follows_gemm.hpp), so it stays consistent with the measured GEMM.
#include <cstddef>
#include <string>
#include <vector>

#include "core/hardware_spec.hpp"
#include "cost_models/calibration_fit.hpp"
#include "cost_models/collective_fit.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/vidur_directory.hpp"

namespace lcperf::cost {

struct MeasuredCalibrationOptions {
  std::string hold_out_family;  // a <org> folder of the data; empty: hold nothing out
  int max_knots = 6;            // GEMM and class curves
  int kind_knots = 8;           // per element-wise kind
  std::size_t collective_holdout_every = 5;
  MeasuredData data;            // copied into the provenance
  std::string date;             // the day of the fit (provenance)
};

struct GroupErrors {
  std::string group;  // gemm, norm, rotary, activation, add, embedding, all_reduce, send_recv, ...
  ErrorSummary train;
  ErrorSummary held_out;
  bool fitted = true;  // false: rows the fit does not use (collectives across nodes), all in held_out
};

struct MeasuredCalibration {
  DeviceProfile profile;
  SizeVariable gemm_variable = SizeVariable::flops;
  CollectiveFit collective;
  std::vector<GroupErrors> groups;
  std::vector<std::string> families;  // every family in the data, sorted
};

// The collective rows held out: one size in `every` of each (collective, ranks, nodes)
// series sorted by size, never the first or last (is_held_out).
std::vector<bool> collective_held_out_rows(const std::vector<MeasuredCollective>& rows, std::size_t every);

// InputError when the held-out family is not in the data or nothing is left to fit.
MeasuredCalibration calibrate_from_measured(const MeasuredKernels& kernels, const MeasuredCollectives& collectives,
                                            const DeviceProfile& base, const core::HardwareSpec& hw,
                                            const MeasuredCalibrationOptions& options);

// "gemm: held-out median 5.0% p90 15.7% (18768 rows), train ..." for the notes.
std::string measured_calibration_summary(const MeasuredCalibration& result);

}  // namespace lcperf::cost
