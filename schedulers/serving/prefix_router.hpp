#pragma once
// Cache-aware routing (serving.routing "prefix_aware"), decided before the run like the
// other policies (router.hpp). The router remembers which prefix hashes it sent to each
// instance (as if every instance kept every prefix it was sent: an estimate, the
// engines' caches evict) and sends a request to the instance holding its longest
// prefix, among the instances whose routed load is at most `imbalance` times the least
// loaded one's plus the request itself (the load-balance guard); ties go to the least
// loaded, then the lowest index. A request without hashes goes to the least loaded.
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "schedulers/serving/request_state.hpp"

namespace lcperf::schedulers::serving {

class PrefixAffinity {
 public:
  PrefixAffinity(std::size_t instances, double imbalance);

  // `load[i]`: instance i's outstanding tokens.
  std::size_t pick(const ServingRequest& r, const std::vector<double>& load) const;
  // Tokens of r's prompt instance i already holds (its leading cached prefix blocks).
  std::int64_t cached_tokens(std::size_t instance, const ServingRequest& r) const;
  void note(std::size_t instance, const ServingRequest& r);

 private:
  std::size_t matched_blocks(std::size_t instance, const ServingRequest& r) const;

  double imbalance_;
  std::vector<std::unordered_set<std::uint64_t>> seen_;  // per instance; looked up, never iterated
};

}  // namespace lcperf::schedulers::serving
