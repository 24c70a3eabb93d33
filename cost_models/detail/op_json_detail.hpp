#pragma once
// Internal to cost_models: op parts <-> nlohmann::json, read with core's strict reader.
// It includes nlohmann/json.hpp, so only .cpp files may include it.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/ops.hpp"
#include "core/strict_json.hpp"
#include "cost_models/op_class.hpp"

namespace lcperf::cost::detail {

// Reads the op object `r` walks, then finish()es it. `implied` is the op class of the
// table the object sits in: "op" may then be omitted, and when present it must name
// the same class.
core::OpPart op_from_json(core::ObjectReader& r, std::optional<OpClass> implied = std::nullopt);
nlohmann::json op_to_json(const core::OpPart& part, bool with_op_name = true);

// Array elements, which ObjectReader (keyed by member name) does not cover: the pairs
// in `points` ([size, efficiency]) and `seqs` ([q_len, kv_len]). Errors read like the
// reader's own: "ORIGIN: PATH: expected a number, got string \"x\"".
double number_at(const nlohmann::json& value, const std::string& origin, const std::string& path);
std::int64_t integer_at(const nlohmann::json& value, const std::string& origin, const std::string& path);

}  // namespace lcperf::cost::detail
