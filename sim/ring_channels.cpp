#include "sim/ring_channels.hpp"

#include <algorithm>
#include <map>

namespace lcperf::sim {

namespace {

// A plain ring through `order` (positions into the member list): every step each member
// sends its whole chunk to the next one.
RingChannels plain_ring(const std::vector<int>& order, std::size_t size) {
  RingChannels plan;
  plan.members.resize(size);
  const std::size_t n = order.size();
  for (std::size_t i = 0; i < n; ++i) {
    RingMember& m = plan.members[static_cast<std::size_t>(order[i])];
    m.on_node_next = order[(i + 1) % n];
    m.on_node_share = 1.0;
    m.on_node_prev = order[(i + n - 1) % n];
    m.on_node_prev_share = 1.0;
  }
  return plan;
}

}  // namespace

RingChannels plan_ring_channels(const std::vector<MemberPlace>& places) {
  // Members grouped by node, nodes in order of first appearance.
  std::vector<int> node_order;
  std::map<int, std::vector<int>> by_node;
  for (std::size_t i = 0; i < places.size(); ++i) {
    auto [it, fresh] = by_node.try_emplace(places[i].node);
    if (fresh) node_order.push_back(places[i].node);
    it->second.push_back(static_cast<int>(i));
  }
  std::vector<int> order;
  for (int node : node_order) {
    const auto& local = by_node[node];
    order.insert(order.end(), local.begin(), local.end());
  }
  const std::size_t nodes = node_order.size();
  const std::size_t g = by_node[node_order.front()].size();
  const bool equal = std::all_of(node_order.begin(), node_order.end(),
                                 [&](int node) { return by_node[node].size() == g; });
  if (nodes <= 1 || g <= 1 || !equal) return plain_ring(order, places.size());

  // Channels: one per distinct NIC of the first node, leaving through its first user.
  const auto& first = by_node[node_order.front()];
  std::vector<double> exits(g, 0.0);
  std::vector<int> seen;
  for (std::size_t l = 0; l < g; ++l) {
    const int nic = places[static_cast<std::size_t>(first[l])].nic;
    if (std::find(seen.begin(), seen.end(), nic) != seen.end()) continue;
    seen.push_back(nic);
    exits[l] = 1.0;
  }
  const double k = static_cast<double>(seen.size());
  for (double& x : exits) x /= k;

  RingChannels plan;
  plan.channels = static_cast<int>(seen.size());
  plan.members.resize(places.size());
  for (std::size_t j = 0; j < nodes; ++j) {
    const auto& here = by_node[node_order[j]];
    const auto& next = by_node[node_order[(j + 1) % nodes]];
    const auto& prev = by_node[node_order[(j + nodes - 1) % nodes]];
    for (std::size_t l = 0; l < g; ++l) {
      const std::size_t l_next = (l + 1) % g;
      const std::size_t l_prev = (l + g - 1) % g;
      RingMember& m = plan.members[static_cast<std::size_t>(here[l])];
      m.on_node_next = here[l_next];
      m.on_node_share = 1.0 - exits[l];
      m.cross_next = next[l_next];
      m.cross_share = exits[l];
      m.on_node_prev = here[l_prev];
      m.on_node_prev_share = 1.0 - exits[l_prev];
      m.cross_prev = prev[l_prev];
      m.cross_prev_share = exits[l_prev];
    }
  }
  return plan;
}

}  // namespace lcperf::sim
