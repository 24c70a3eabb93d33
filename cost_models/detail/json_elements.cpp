// Type checks for JSON array elements, worded like core::ObjectReader's messages.
#include <cmath>
#include <cstdint>
#include <limits>

#include "cost_models/detail/op_json_detail.hpp"

namespace lcperf::cost::detail {

double number_at(const nlohmann::json& value, const std::string& origin, const std::string& path) {
  if (!value.is_number()) core::throw_at(origin, path, "expected a number, got " + core::describe_json(value));
  return value.get<double>();
}

std::int64_t integer_at(const nlohmann::json& value, const std::string& origin, const std::string& path) {
  if (value.is_number_unsigned()) {
    if (value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      core::throw_at(origin, path, "integer " + value.dump() + " is too large");
    }
    return value.get<std::int64_t>();
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  // Whole numbers spelled as floats (1e6) are integers too; 2^63 is the first double
  // outside int64.
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) return static_cast<std::int64_t>(d);
  }
  core::throw_at(origin, path, "expected an integer, got " + core::describe_json(value));
}

}  // namespace lcperf::cost::detail
