#pragma once
// Tests check a loaded scenario's options against the names its file spells,
// EXPECT_EQ(s.strategy.schedule, "1f1b"): an option equals the name to_string gives it,
// and prints as that name when an expectation fails. Kept to the tests: the library
// switches on the enums (core/scenario_options.hpp) and never compares names.
#include <ostream>
#include <string_view>

#include "core/scenario_options.hpp"

namespace lcperf::core {

template <ScenarioOption Option>
bool operator==(Option value, std::string_view name) {
  return to_string(value) == name;
}

template <ScenarioOption Option>
std::ostream& operator<<(std::ostream& out, Option value) {
  return out << to_string(value);
}

}  // namespace lcperf::core
