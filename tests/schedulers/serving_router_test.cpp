// Routing requests over instances, checked by hand.
#include "schedulers/serving/router.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace lcperf::schedulers::serving {
namespace {

ServingRequest req(std::int64_t id, double arrival, std::int64_t prompt, std::int64_t output) {
  return {id, arrival, prompt, output};
}

std::vector<std::int64_t> ids(const std::vector<ServingRequest>& rs) {
  std::vector<std::int64_t> out;
  for (const ServingRequest& r : rs) out.push_back(r.id);
  return out;
}

TEST(Router, RoundRobinDealsRequestsInArrivalOrder) {
  // Arrival order: r1 (0), r3 (0.1), r2 (0.2), r4 (0.3), r0 (0.5).
  const std::vector<ServingRequest> rs = {req(0, 0.5, 10, 1), req(1, 0, 10, 1), req(2, 0.2, 10, 1),
                                          req(3, 0.1, 10, 1), req(4, 0.3, 10, 1)};
  const Routing r = route_requests(rs, {RoutingPolicy::round_robin, 2, 0});
  EXPECT_EQ(r.instance_of, (std::vector<int>{0, 0, 0, 1, 1}));
  EXPECT_EQ(ids(r.requests[0]), (std::vector<std::int64_t>{1, 2, 0}));
  EXPECT_EQ(ids(r.requests[1]), (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(r.decisions[0], "instance 0 of 2 (round_robin): r1 r2 r0");
  EXPECT_EQ(r.decisions[1], "instance 1 of 2 (round_robin): r3 r4");
}

TEST(Router, LeastOutstandingTokensBalancesAssignedTokensWithoutDrain) {
  // Tokens (prompt + output): 1000, 100, 100, 500, 400, 10.
  const std::vector<ServingRequest> rs = {req(0, 0, 900, 100), req(1, 1, 90, 10), req(2, 2, 90, 10),
                                          req(3, 3, 400, 100), req(4, 4, 300, 100), req(5, 5, 5, 5)};
  const Routing r = route_requests(rs, {RoutingPolicy::least_outstanding_tokens, 2, 0});
  // Loads after each: [1000,0] [1000,100] [1000,200] [1000,700] [1000,1100] [1010,1100].
  EXPECT_EQ(r.instance_of, (std::vector<int>{0, 1, 1, 1, 1, 0}));
}

TEST(Router, LeastOutstandingTokensDrainsBetweenArrivals) {
  // Drain 100 tokens/s per instance.
  const std::vector<ServingRequest> rs = {req(0, 0, 1000, 1), req(1, 1, 299, 1), req(2, 5, 99, 1),
                                          req(3, 20, 10, 1)};
  const Routing r = route_requests(rs, {RoutingPolicy::least_outstanding_tokens, 2, 100});
  // t0: [0,0] -> 0, [1001,0]. t1: [901,0] -> 1, [901,300]. t5: [501,0] -> 1, [501,100].
  // t20: [0,0] -> tie, lowest index 0.
  EXPECT_EQ(r.instance_of, (std::vector<int>{0, 1, 1, 0}));
}

TEST(Router, PolicyNamesAndBadOptions) {
  EXPECT_EQ(parse_routing_policy("round_robin"), RoutingPolicy::round_robin);
  EXPECT_EQ(parse_routing_policy("least_outstanding_tokens"), RoutingPolicy::least_outstanding_tokens);
  EXPECT_THROW(parse_routing_policy("random"), core::InputError);
  EXPECT_THROW(route_requests({}, {RoutingPolicy::round_robin, 0, 0}), core::InputError);
  EXPECT_THROW(route_requests({}, {RoutingPolicy::least_outstanding_tokens, 2, -1}), core::InputError);
  EXPECT_EQ(route_requests({}, {RoutingPolicy::round_robin, 3, 0}).requests.size(), 3u);
}

}  // namespace
}  // namespace lcperf::schedulers::serving
