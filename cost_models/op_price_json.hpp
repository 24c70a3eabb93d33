#pragma once
// One op priced on one device profile, as the JSON object `lcperf cost` prints and the
// Python module's cost() returns: the op as read (defaults filled in), time_s, flops,
// bytes, the model that answered, the device and the hardware.
#include <string>

#include "core/ops.hpp"

namespace lcperf::cost {

// `device`: a profile id or file (load_device_profile). Throws core::InputError.
std::string price_op_json_text(const std::string& device, const core::OpPart& part);

}  // namespace lcperf::cost
