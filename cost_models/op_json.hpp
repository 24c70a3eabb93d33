#pragma once
// Op parts as JSON: the format of `lcperf cost --op` and of the shapes in a device
// profile's measured tables. Documented in cost_models/README.md ("Op JSON").
#include <string>
#include <string_view>

#include "core/ops.hpp"

namespace lcperf::cost {

// Strict: unknown keys and bad values raise core::InputError naming origin and path.
core::OpPart parse_op_json(std::string_view json_text, const std::string& origin = "--op");

// Compact JSON that parse_op_json() reads back to the same part.
std::string op_to_json_text(const core::OpPart& part);

}  // namespace lcperf::cost
