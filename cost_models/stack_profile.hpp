#pragma once
// Serving-stack profiles: the host side of a serving engine (core/serving_stack.hpp) as
// a data file, one per stack, in cost_models/stacks/ (README there). Like device
// profiles, a scenario names one by id or path (serving.stack).
#include <string>
#include <string_view>
#include <vector>

#include "core/serving_stack.hpp"

namespace lcperf::cost {

inline constexpr int kStackProfileFormatVersion = 1;

// Parses a profile; core::InputError names `origin`, the JSON path and the rule.
core::ServingStack parse_stack_profile(std::string_view json_text, const std::string& origin);

// "ideal" (no host time, built in), an id in stack_profile_dir(), or a path to a file.
core::ServingStack load_stack_profile(const std::string& id_or_path);

// $LCPERF_STACK_DIR, else cost_models/stacks under core::data_root(); and the ids found there.
std::string stack_profile_dir();
std::vector<std::string> available_stack_profiles();

}  // namespace lcperf::cost
