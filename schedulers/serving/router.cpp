#include "schedulers/serving/router.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "schedulers/serving/prefix_router.hpp"

namespace lcperf::schedulers::serving {

RoutingPolicy parse_routing_policy(std::string_view text) {
  if (const auto policy = core::parse_option<RoutingPolicy>(text)) return *policy;
  throw core::InputError("router must be one of round_robin, least_outstanding_tokens, prefix_aware (got \"" + std::string(text) +
                         "\")");
}

Routing route_requests(const std::vector<ServingRequest>& requests, const RoutingOptions& options) {
  if (options.instances < 1) throw core::InputError("router: instances must be >= 1");
  if (!(options.drain_tokens_per_s >= 0)) throw core::InputError("router: drain_tokens_per_s must be >= 0");
  const auto n = static_cast<std::size_t>(options.instances);
  Routing out;
  out.instance_of.assign(requests.size(), 0);
  out.requests.resize(n);
  out.decisions.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.decisions[i].append("instance ")
        .append(std::to_string(i))
        .append(" of ")
        .append(std::to_string(n))
        .append(" (")
        .append(to_string(options.policy))
        .append("):");
  }

  if (!(options.prefix_imbalance >= 1)) throw core::InputError("router: prefix_imbalance must be >= 1");
  std::vector<double> outstanding(n, 0.0);
  PrefixAffinity affinity(n, options.prefix_imbalance);
  double last_arrival = 0;
  std::size_t dealt = 0;
  for (std::size_t index : arrival_order(requests)) {
    const ServingRequest& r = requests[index];
    std::size_t pick = 0;
    if (options.policy == RoutingPolicy::round_robin) {
      pick = dealt % n;
    } else {
      const double drained = options.drain_tokens_per_s * std::max(0.0, r.arrival_s - last_arrival);
      for (double& o : outstanding) o = std::max(0.0, o - drained);
      // min_element returns the first minimum: ties go to the lowest index.
      pick = static_cast<std::size_t>(std::min_element(outstanding.begin(), outstanding.end()) - outstanding.begin());
      std::int64_t cached = 0;
      if (options.policy == RoutingPolicy::prefix_aware) {
        pick = affinity.pick(r, outstanding);
        cached = affinity.cached_tokens(pick, r);
        affinity.note(pick, r);
      }
      outstanding[pick] += static_cast<double>(r.prompt_tokens - cached + r.output_tokens);
    }
    last_arrival = std::max(last_arrival, r.arrival_s);
    ++dealt;
    out.instance_of[index] = static_cast<int>(pick);
    out.requests[pick].push_back(r);
    out.decisions[pick].append(" ").append(request_name(r.id));
  }
  return out;
}

}  // namespace lcperf::schedulers::serving
