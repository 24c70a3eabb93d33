#pragma once
// Spreading a trace's requests over serving instances, decided before the run as a
// pure function of the trace (deterministic, and identical in every runtime). A live
// router would see the instances' actual queues; here "outstanding tokens" is an
// estimate: each request adds prompt + output tokens to its instance, and an instance
// drains at a nominal rate between arrivals.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/scenario_options.hpp"
#include "schedulers/serving/request_state.hpp"

namespace lcperf::schedulers::serving {

// The scenario's serving.routing (core/scenario_options.hpp, with its name).
using core::RoutingPolicy;
RoutingPolicy parse_routing_policy(std::string_view text);  // throws InputError

struct RoutingOptions {
  RoutingPolicy policy = RoutingPolicy::round_robin;
  int instances = 1;
  // Tokens per second an instance is assumed to finish (least_outstanding_tokens).
  // 0 = nothing drains: the policy then balances the total tokens assigned.
  double drain_tokens_per_s = 0;
  // prefix_aware: the load-balance guard (prefix_router.hpp).
  double prefix_imbalance = 1.25;
};

struct Routing {
  std::vector<int> instance_of;                       // per request, in input order
  std::vector<std::vector<ServingRequest>> requests;  // per instance, in arrival order
  // Per instance, the decision its engine logs ("route"): policy and requests received.
  std::vector<std::string> decisions;
};

// Requests are taken in arrival order (ties by id); round-robin deals them out in that
// order, least-outstanding picks the instance with the fewest outstanding tokens at
// the arrival (ties to the lowest index). Throws InputError for instances < 1 or a
// negative drain rate.
Routing route_requests(const std::vector<ServingRequest>& requests, const RoutingOptions& options);

}  // namespace lcperf::schedulers::serving
