#pragma once
// Internal to cost_models: op parts <-> nlohmann::json (only .cpp files may include it).
#include <optional>
#include <string>

#include "core/ops.hpp"
#include "cost_models/detail/strict_json.hpp"
#include "cost_models/op_class.hpp"

namespace lcperf::cost::detail {

// `implied` is the op class of the table the object sits in: "op" may then be omitted,
// and when present it must name the same class.
core::OpPart op_from_json(const Json& value, const std::string& path, const std::string& origin,
                          std::optional<OpClass> implied = std::nullopt);
Json op_to_json(const core::OpPart& part, bool with_op_name = true);

}  // namespace lcperf::cost::detail
