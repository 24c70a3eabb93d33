#pragma once
// Scenario options of serving prefix caching (`serving.prefix_cache`), all off by
// default; the mechanism is schedulers/serving/prefix_cache.hpp.
#include <cstdint>

namespace lcperf::core {

struct PrefixCacheSpec {
  bool enabled = false;
  // Traces without prefix-block hashes (Azure, synthetic, fixed loads) get a synthetic
  // shared prefix: a fraction `synthetic_shared_fraction` of the requests (drawn from
  // the scenario's seed) open with one of `synthetic_prefixes` system prompts of
  // `synthetic_prefix_tokens` tokens (capped at the prompt). 0 tokens = no sharing.
  // Traces that carry hashes (Mooncake) ignore these.
  std::int64_t synthetic_prefix_tokens = 0;
  double synthetic_shared_fraction = 1.0;
  int synthetic_prefixes = 1;
  // prefix_aware routing: an instance is a candidate when its routed load is at most
  // route_imbalance x the least loaded instance's (plus the request itself).
  double route_imbalance = 1.25;
  bool operator==(const PrefixCacheSpec&) const = default;
};

}  // namespace lcperf::core
