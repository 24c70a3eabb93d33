#pragma once
// Calibration: a device profile fitted to a kernel profile (`lcperf calibrate`).
//
// Per op class, every training row is assigned to the roofline term that binds it:
// rows sorted by arithmetic intensity are split at a ridge (every split is fitted, at
// most 257 of them, the least training error wins), then rows move to the larger term
// under the fitted curves while that lowers the error (SpMM's extraction term is left
// as the base has it). The efficiency each row needed to match its measured median becomes a sample
// of its term's curve, and the curves are fitted by least squares (calibration_fit.hpp).
// About a fifth of each class's rows are held out (calibration_fit.hpp, is_held_out)
// and priced afterwards by the real CostModel with the fitted profile: their median
// and p90 relative error measure how well the curves transfer to shapes they were not
// fitted on. The written profile is the one fitted on the training rows, so the
// reported errors describe exactly the file. cost_models/README.md ("Calibration")
// documents the choices.
#include <cstddef>
#include <string>
#include <vector>

#include "core/hardware_spec.hpp"
#include "cost_models/calibration_fit.hpp"
#include "cost_models/calibration_profile.hpp"
#include "cost_models/device_profile.hpp"

namespace lcperf::cost {

struct CalibrationOptions {
  std::size_t holdout_every = 5;  // hold out one row in five (0 or 1: none)
  int max_knots = 6;              // per curve
  int max_rounds = 8;             // re-assignments of rows to binding terms
  bool include_tables = false;    // also write every measured row as a measured-table point
  // When not empty (one flag per row of the kernel profile): row i is held out exactly
  // when held_out_rows[i], in place of the one-in-N rule (a whole model family, say).
  std::vector<bool> held_out_rows;
};

struct ClassCalibration {
  OpClass op_class = OpClass::gemm;
  std::size_t rows = 0;
  std::size_t train_rows = 0;
  std::size_t compute_rows = 0;     // training rows fitted to a compute curve
  std::size_t memory_rows = 0;      // training rows fitted to the memory curve
  std::size_t extraction_rows = 0;  // SpMM rows bound by the extraction term (not fitted)
  int clamped_points = 0;           // knots clamped to (0, 1]: see calibration_fit.hpp
  ErrorSummary train;
  ErrorSummary held_out;
  // With include_tables: the held-out rows priced with measured tables built from the
  // training rows only (tables answer first, curves outside their range).
  ErrorSummary held_out_with_tables;
};

struct CalibrationResult {
  DeviceProfile profile;
  std::vector<ClassCalibration> classes;  // the classes the kernel profile has rows for
};

// `hw` is the hardware `base.hardware` names: its peaks stay as they are, efficiencies
// are fitted against them. Classes without rows keep the base's curves and floors.
CalibrationResult calibrate_device(const KernelProfile& measured, const DeviceProfile& base,
                                   const core::HardwareSpec& hw, const CalibrationOptions& options = {});

// One line per class ("gemm: 24 rows (19 fit, 5 held out): held-out median 3.1%, p90
// 7.9%; train median 2.0%, p90 5.5%"), for the terminal and the profile's notes.
std::string calibration_summary(const std::vector<ClassCalibration>& classes);

}  // namespace lcperf::cost
