#pragma once
// EngineHost <-> SimGrid's host: the one place where the opaque handle is known to be an
// s4u::Host on SimGrid-built platforms. No code: the conversions compile to nothing.
#include <simgrid/forward.h>

#include "sim/event_engine.hpp"

namespace lcperf::sim {

inline EngineHost engine_host(simgrid::s4u::Host* host) { return reinterpret_cast<EngineHost>(host); }
inline simgrid::s4u::Host* simgrid_host(EngineHost host) { return reinterpret_cast<simgrid::s4u::Host*>(host); }

}  // namespace lcperf::sim
