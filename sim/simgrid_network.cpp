#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>

#include "sim/host_network.hpp"
#include "sim/simgrid_host.hpp"

namespace lcperf::sim {

namespace {

class SimGridNetwork final : public HostNetwork {
 public:
  double speed(EngineHost host) const override { return simgrid_host(host)->get_speed(); }
  void route(EngineHost src, EngineHost dst, HostRoute& out) const override {
    std::vector<simgrid::s4u::Link*> links;
    double latency = 0;  // route_to adds the route's latency to it
    simgrid_host(src)->route_to(simgrid_host(dst), links, &latency);
    out.latency = latency;
    out.links.clear();
    for (const simgrid::s4u::Link* link : links) {
      out.links.push_back(NetworkLink{link, link->get_bandwidth(),
                                      link->get_sharing_policy() != simgrid::s4u::Link::SharingPolicy::FATPIPE});
    }
  }
};

}  // namespace

const HostNetwork& simgrid_network() {
  static const SimGridNetwork network;
  return network;
}

}  // namespace lcperf::sim
