#pragma once
// Prefix caching and FP8 precision for a serving run: the scenario's options turned into
// the engines' inputs (prefix hashes, synthetic shared prefixes, the resolved precision)
// and their part of result.json.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/scenario.hpp"
#include "schedulers/serving/metrics.hpp"
#include "schedulers/serving/request_state.hpp"

namespace lcperf::runs {

// Whether a run keeps the trace's prefix hashes (prefix caching or prefix_aware routing).
bool serving_uses_prefixes(const core::Scenario& s);

// With prefix caching on and serving.prefix_cache.synthetic_prefix_tokens > 0, gives
// requests without hashes a synthetic shared prefix (core/prefix_cache_spec.hpp): a
// request is shared with probability synthetic_shared_fraction, opens with system prompt
// k (uniform over synthetic_prefixes), both drawn from (seed, request id); its prompt
// is cut in blocks of serving.block_size_tokens, the whole blocks inside
// min(prefix tokens, prompt) hashed by (k, position) and the rest by (id, position).
// Then checks the prefix blocks against the engine's KV blocks (exit 2 with the JSON path).
void prepare_prefix_requests(const core::Scenario& s, std::vector<schedulers::serving::ServingRequest>& requests);

// result.json's "prefix_cache" (summed over instances): hit rates by blocks and tokens,
// prefill tokens saved, evictions, and the per-request cached tokens' mean and maximum.
nlohmann::ordered_json prefix_cache_json(const std::vector<schedulers::serving::EngineCounters>& instances,
                                         const std::vector<schedulers::serving::RequestMetrics>& requests);

// result.json's "precision": the resolved dtypes and whether FP8 activations fell back.
nlohmann::ordered_json precision_json(const core::ServingPrecision& p);

}  // namespace lcperf::runs
