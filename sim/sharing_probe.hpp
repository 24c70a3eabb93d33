#pragma once
// SimGrid 3.32's own bandwidth and CPU sharing, measured: the reference the native
// engine's FlowSolver is checked against. Each call builds a SimGrid engine, so call one
// of them once per process (SimGrid allows one engine per process).
#include <span>
#include <vector>

namespace lcperf::sim {

struct ProbeTransfer {
  std::vector<int> links;  // indices into the link bandwidths, each at most once
  double rate_cap = 0;     // Comm::set_rate (the lmm bound); 0: none
};

// Rates (bytes/s, up to 1e10) SimGrid gives transfers that all start at time 0, each over its own
// route of shared links, under CM02 with no latency, no TCP window bound, no cross
// traffic and unit factors (so every transfer is one lmm variable of penalty 1).
std::vector<double> simgrid_transfer_rates(std::span<const double> link_bandwidths,
                                           std::span<const ProbeTransfer> transfers);

// Rates (flop/s) SimGrid gives executions of the given priorities started together on
// one host of `cores` cores at `speed` (up to 1e10) each, under CAS01.
std::vector<double> simgrid_execution_rates(double speed, int cores, std::span<const double> priorities);

}  // namespace lcperf::sim
