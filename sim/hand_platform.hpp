#pragma once
// A SimGrid platform written link by link (hosts in one zone, split-duplex links,
// one-way routes), for topologies small enough to compute dates by hand: what the
// engine tests and benchmarks run on. Opens SimGrid's engine with the network model the
// simulator uses (CM02, no cross traffic, no TCP window bound), so a program run on
// SimGrid over it behaves as in a simulation. SimGrid allows one such engine per
// process.
#include <memory>
#include <string>
#include <vector>

#include "sim/event_engine.hpp"
#include "sim/simgrid_options.hpp"

namespace simgrid::s4u {
class Engine;
class SplitDuplexLink;
}  // namespace simgrid::s4u

namespace lcperf::sim {

class HandPlatform {
 public:
  HandPlatform();
  ~HandPlatform();
  HandPlatform(const HandPlatform&) = delete;
  HandPlatform& operator=(const HandPlatform&) = delete;

  EngineHost host(const std::string& name, double speed = 1e9);
  // A link with its own bandwidth in each direction; returns its index for route().
  int link(const std::string& name, double bandwidth, double latency_s);
  // A one-way route crossing `links` (indices from link()) in their UP direction, or
  // DOWN for those given as down(index).
  void route(EngineHost from, EngineHost to, const std::vector<int>& links);
  static int down(int link) { return -1 - link; }
  // Call once every route is added, before running anything.
  void seal();

  // The route SimGrid gives from `from` to `to`: its latency, and its narrowest link.
  double route_latency(EngineHost from, EngineHost to) const;
  double route_bandwidth(EngineHost from, EngineHost to) const;

  simgrid::s4u::Engine& simgrid();

 private:
  std::unique_ptr<simgrid::s4u::Engine> engine_;
  void* zone_ = nullptr;  // simgrid::s4u::NetZone*
  std::vector<simgrid::s4u::SplitDuplexLink*> links_;
};

}  // namespace lcperf::sim
