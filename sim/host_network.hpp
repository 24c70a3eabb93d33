#pragma once
// What the native engine reads of a platform: each host's speed and the route between
// two hosts (its latency and the links it crosses). SimGrid's platform answers through
// Host::route_to (simgrid_network()); lcperf's own cluster platform (native_platform.hpp)
// answers the same without SimGrid.
#include <vector>

#include "sim/event_engine.hpp"

namespace lcperf::sim {

struct NetworkLink {
  // The same for every route crossing this link in this direction, for the platform's
  // life (SimGrid: its s4u::Link, one per direction of a split-duplex link).
  const void* id = nullptr;
  double bandwidth = 0;
  // SHARED: the flows crossing it share its bandwidth (max-min); otherwise FATPIPE: each
  // flow alone on it (the loopback of a host to itself).
  bool shared = true;
};

struct HostRoute {
  double latency = 0;               // the sum of its links' latencies
  std::vector<NetworkLink> links;  // in the order a transfer crosses them
};

class HostNetwork {
 public:
  virtual ~HostNetwork() = default;
  virtual double speed(EngineHost host) const = 0;
  // Fills `out` (cleared first) with the route from `src` to `dst`.
  virtual void route(EngineHost src, EngineHost dst, HostRoute& out) const = 0;
};

// The platform built with SimGrid in this process (its engine open): EngineHosts are
// s4u::Host pointers (simgrid_host.hpp).
const HostNetwork& simgrid_network();

}  // namespace lcperf::sim
