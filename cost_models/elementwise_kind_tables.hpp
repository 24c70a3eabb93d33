#pragma once
// Element-wise kinds differ more from each other than one efficiency curve can say (on
// Vidur's A100 and H100 tables a residual add streams at ~95 % of HBM bandwidth, an
// RMSNorm at ~30 %, an embedding gather at ~17 %), and a device profile tells kinds
// apart only through measured tables (an element-wise table family is a kind; see
// measured_table.hpp). So each measured kind gets a curve of its own: log time,
// piecewise linear in log2 bytes, fitted by least squares on log residuals (relative
// errors), and written as table points at the curve's knots. Two end points carry it
// beyond the measured sizes the way a roofline would: below the smallest measured size
// the time stays that size's (launch and tail latency do not shrink with the data),
// above the largest the slowdown against the roofline stays the largest size's (the
// kernel keeps streaming at the same fraction of bandwidth). Between points the table
// interpolates log slowdown linearly in log2 bytes, which for memory-bound work is the
// fitted log-log line itself.
#include <vector>

#include "core/hardware_spec.hpp"
#include "cost_models/calibration_profile.hpp"
#include "cost_models/device_profile.hpp"

namespace lcperf::cost {

// `rows` are element-wise rows (others are ignored); kinds come out in name order,
// each as max_knots (or fewer, one per distinct size) + 2 points.
std::vector<MeasuredPoint> fit_elementwise_kind_tables(const std::vector<const ProfileRow*>& rows,
                                                       const core::HardwareSpec& hw, int max_knots);

}  // namespace lcperf::cost
