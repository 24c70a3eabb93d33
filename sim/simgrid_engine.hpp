#pragma once
// The EventEngine on SimGrid's S4U API: each call is the S4U call the simulator made
// before the engine interface existed, in the same order, so results are SimGrid's.
#include <memory>

#include "sim/event_engine.hpp"

namespace simgrid::s4u {
class Engine;
}

namespace lcperf::sim {

// Runs on `engine`, which the caller created (with its --cfg options) and on which the
// platform was built.
std::unique_ptr<EventEngine> make_simgrid_engine(simgrid::s4u::Engine& engine);

}  // namespace lcperf::sim
