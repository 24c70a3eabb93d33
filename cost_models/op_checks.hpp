#pragma once
// Range checks on op shapes. Shapes built by code and shapes read from JSON go through
// the same rules, so `lcperf cost --op` and the simulator reject the same inputs.
#include <optional>
#include <string>

#include "core/ops.hpp"

namespace lcperf::cost {

// The first rule `part` breaks, phrased as "<field> must ...", or nullopt when valid.
std::optional<std::string> op_part_problem(const core::OpPart& part);

}  // namespace lcperf::cost
