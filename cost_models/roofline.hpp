#pragma once
// The nominal roofline of an op: datasheet peaks, no efficiencies, no floors. The cost
// model scales it by efficiencies; measured tables are stored relative to it, so a
// measurement taken on one shape transfers sensibly to a neighbouring shape.
#include "core/hardware_spec.hpp"
#include "core/ops.hpp"

namespace lcperf::cost {

// FLOP/s an op's arithmetic runs at: the tensor-core rate of its dtype; element-wise
// work runs on the FP32 vector units.
double peak_flops_for(const core::OpPart& part, const core::HardwareSpec& hw);

// max(FLOPs / peak, bytes / HBM bandwidth) in seconds.
double ideal_time_s(const core::OpPart& part, const core::HardwareSpec& hw);

}  // namespace lcperf::cost
