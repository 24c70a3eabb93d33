#include "schedulers/serving/prefix_router.hpp"

#include <algorithm>

namespace lcperf::schedulers::serving {

PrefixAffinity::PrefixAffinity(std::size_t instances, double imbalance) : imbalance_(imbalance), seen_(instances) {}

std::size_t PrefixAffinity::matched_blocks(std::size_t instance, const ServingRequest& r) const {
  const std::unordered_set<std::uint64_t>& seen = seen_[instance];
  std::size_t n = 0;
  while (n < r.prefix_hashes.size() && seen.count(r.prefix_hashes[n]) != 0) ++n;
  return n;
}

std::int64_t PrefixAffinity::cached_tokens(std::size_t instance, const ServingRequest& r) const {
  return std::min(r.prompt_tokens - 1, static_cast<std::int64_t>(matched_blocks(instance, r)) * r.prefix_block_tokens);
}

std::size_t PrefixAffinity::pick(const ServingRequest& r, const std::vector<double>& load) const {
  // min_element returns the first minimum: ties go to the lowest index.
  std::size_t best = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
  const double ceiling = imbalance_ * load[best] + static_cast<double>(r.prompt_tokens + r.output_tokens);
  std::size_t best_match = matched_blocks(best, r);
  for (std::size_t i = 0; i < load.size(); ++i) {
    if (load[i] > ceiling) continue;
    const std::size_t m = matched_blocks(i, r);
    if (m > best_match || (m == best_match && load[i] < load[best])) {
      best = i;
      best_match = m;
    }
  }
  return best;
}

void PrefixAffinity::note(std::size_t instance, const ServingRequest& r) {
  seen_[instance].insert(r.prefix_hashes.begin(), r.prefix_hashes.end());
}

}  // namespace lcperf::schedulers::serving
