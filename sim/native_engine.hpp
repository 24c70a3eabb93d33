#pragma once
// lcperf's own discrete-event engine under SimWorld (see event_engine.hpp for the
// semantics it shares with SimGrid's): actors are fibers run one at a time in the order
// they became ready; time jumps to the earliest pending event (a timer, the end of an
// execution or of a transfer's latency or volume); rates come from weighted max-min
// sharing (flow_solver.hpp) re-solved once per date, and each activity's remaining
// amount is brought up to date only when its rate changes (lazy updates, as SimGrid's
// models do). Host speeds, routes and links come from a HostNetwork (host_network.hpp):
// lcperf's own cluster platform in simulations, or a SimGrid-built one (tests, benches),
// read through s4u and never simulated by it.
#include <memory>

#include "sim/event_engine.hpp"
#include "sim/host_network.hpp"

namespace lcperf::sim {

// What a killed actor's blocking call throws (and exit_actor()). Deliberately not a
// std::exception, so that `catch (const std::exception&)` in actor code lets it through,
// as SimGrid's ForcefulKillException does.
struct NativeActorKilled {};

// On `network`, which must outlive the engine.
std::unique_ptr<EventEngine> make_native_engine(const HostNetwork& network);
// On the platform built with SimGrid in this process (simgrid_network()).
std::unique_ptr<EventEngine> make_native_engine();

}  // namespace lcperf::sim
