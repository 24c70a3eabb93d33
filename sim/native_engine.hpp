#pragma once
// lcperf's own discrete-event engine under SimWorld (see event_engine.hpp for the
// semantics it shares with SimGrid's): actors are fibers run one at a time in the order
// they became ready; time jumps to the earliest pending event (a timer, the end of an
// execution or of a transfer's latency or volume); rates come from weighted max-min
// sharing (flow_solver.hpp) re-solved once per date, and each activity's remaining
// amount is brought up to date only when its rate changes (lazy updates, as SimGrid's
// models do). The platform still comes from SimGrid: host speeds, routes and links are
// read through s4u, never simulated by it.
#include <memory>

#include "sim/event_engine.hpp"

namespace lcperf::sim {

// What a killed actor's blocking call throws (and exit_actor()). Deliberately not a
// std::exception, so that `catch (const std::exception&)` in actor code lets it through,
// as SimGrid's ForcefulKillException does.
struct NativeActorKilled {};

std::unique_ptr<EventEngine> make_native_engine();

}  // namespace lcperf::sim
