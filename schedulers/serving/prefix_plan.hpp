#pragma once
// Checks of an engine plan with prefix caching on (EngineConfig::prefix_cache).
#include <string>

#include "schedulers/serving/engine.hpp"

namespace lcperf::schedulers::serving {

// Throws InputError when the requests' prefix blocks differ in size, are not a whole
// number of KV blocks, or the KV cache is spread over instances (DistKV); `where`
// prefixes the message.
void validate_prefix_plan(const EnginePlan& plan, const std::string& where);

}  // namespace lcperf::schedulers::serving
