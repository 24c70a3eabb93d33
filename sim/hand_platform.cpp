#include "sim/hand_platform.hpp"

#include <algorithm>
#include <limits>

#include <simgrid/s4u.hpp>

#include "sim/host_network.hpp"
#include "sim/simgrid_host.hpp"

namespace lcperf::sim {

namespace sg = simgrid::s4u;

namespace {

sg::NetZone* as_zone(void* zone) { return static_cast<sg::NetZone*>(zone); }

}  // namespace

HandPlatform::HandPlatform() : engine_(open_simgrid_engine()), zone_(sg::create_full_zone("hand")) {}

HandPlatform::~HandPlatform() = default;

EngineHost HandPlatform::host(const std::string& name, double speed) {
  return engine_host(as_zone(zone_)->create_host(name, speed));
}

int HandPlatform::link(const std::string& name, double bandwidth, double latency_s) {
  auto* l = as_zone(zone_)->create_split_duplex_link(name, bandwidth);
  l->set_latency(latency_s);
  l->seal();
  links_.push_back(l);
  return static_cast<int>(links_.size()) - 1;
}

void HandPlatform::route(EngineHost from, EngineHost to, const std::vector<int>& links) {
  std::vector<sg::LinkInRoute> in_route;
  for (const int l : links) {
    const bool up = l >= 0;
    in_route.emplace_back(links_.at(static_cast<std::size_t>(up ? l : -1 - l)),
                          up ? sg::LinkInRoute::Direction::UP : sg::LinkInRoute::Direction::DOWN);
  }
  as_zone(zone_)->add_route(simgrid_host(from)->get_netpoint(), simgrid_host(to)->get_netpoint(), nullptr, nullptr, in_route, false);
}

void HandPlatform::seal() { as_zone(zone_)->seal(); }

double HandPlatform::route_latency(EngineHost from, EngineHost to) const {
  HostRoute route;
  simgrid_network().route(from, to, route);
  return route.latency;
}

double HandPlatform::route_bandwidth(EngineHost from, EngineHost to) const {
  HostRoute route;
  simgrid_network().route(from, to, route);
  double narrowest = std::numeric_limits<double>::infinity();
  for (const NetworkLink& l : route.links) narrowest = std::min(narrowest, l.bandwidth);
  return narrowest;
}

sg::Engine& HandPlatform::simgrid() { return *engine_; }

}  // namespace lcperf::sim
