#pragma once
// Parsers of the serving options `serving.prefix_cache`, `serving.precision` and
// `serving.slo`, called
// by core/scenario_loader.cpp (kept in their own file so the loader's hunk stays small).
#include "core/prefix_cache_spec.hpp"
#include "core/serving_precision.hpp"
#include "core/serving_slo.hpp"
#include "core/strict_json.hpp"

namespace lcperf::core {

PrefixCacheSpec parse_prefix_cache(ObjectReader r);
ServingPrecisionSpec parse_serving_precision(ObjectReader r);
// Each bound optional (seconds, positive); an object with none is refused.
ServingSlo parse_serving_slo(ObjectReader r);

}  // namespace lcperf::core
