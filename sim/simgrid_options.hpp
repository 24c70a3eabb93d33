#pragma once
// The one command line every SimGrid engine of lcperf opens with: the simulator's, the
// engine tests' hand-written platforms and the sharing probes', so that SimGrid runs
// the same network model wherever lcperf compares against it.
#include <memory>
#include <string>
#include <vector>

#include "sim/platform_builder.hpp"

namespace simgrid::s4u {
class Engine;
}

namespace lcperf::sim {

// SimGrid's engine with the simulator's network model (simgrid_options.cpp says why),
// 64 KiB actor stacks, and logs silenced unless LCPERF_SIMGRID_LOG is set; `extra`
// (--cfg= / --log= options) comes last and wins. One engine per process.
std::unique_ptr<simgrid::s4u::Engine> open_simgrid_engine(const std::vector<std::string>& extra = {});

// SimGrid's engine (open_simgrid_engine()) open for this object's life, for code that
// may not include SimGrid (tests).
class SimGridScope {
 public:
  explicit SimGridScope(const std::vector<std::string>& extra = {});
  ~SimGridScope();
  SimGridScope(const SimGridScope&) = delete;
  SimGridScope& operator=(const SimGridScope&) = delete;

 private:
  std::unique_ptr<simgrid::s4u::Engine> engine_;
};

// The loopback SimGrid gives a host's route to itself (network/loopback-bw and -lat),
// as configured in the open engine: what lcperf's own platform gives too.
LinkParams simgrid_loopback();

}  // namespace lcperf::sim
