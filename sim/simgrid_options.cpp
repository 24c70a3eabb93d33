#include "sim/simgrid_options.hpp"

#include <cstdlib>

#include <simgrid/s4u/Engine.hpp>
#include <xbt/config.hpp>

namespace lcperf::sim {

std::unique_ptr<simgrid::s4u::Engine> open_simgrid_engine(const std::vector<std::string>& extra) {
  // Network model (see sim/README.md): CM02 is the plain max-min fair bandwidth-sharing
  // model, so a lone transfer takes exactly latency + bytes / bandwidth. LV08's factors
  // (x13.01 latency, x0.97 bandwidth) are calibrated for TCP over Ethernet, not for
  // NVLink or RDMA; cross-traffic (ACKs taking 5% of the reverse direction) is a TCP
  // effect too, and the TCP window bound (gamma / 2 latency) is lifted.
  std::vector<std::string> args = {"lcperf", "--cfg=network/model:CM02", "--cfg=network/crosstraffic:0",
                                   "--cfg=network/TCP-gamma:0", "--cfg=contexts/stack-size:64"};
  // SimGrid logs go nowhere unless LCPERF_SIMGRID_LOG asks for them.
  if (std::getenv("LCPERF_SIMGRID_LOG") == nullptr) {
    args.emplace_back("--log=root.thres:critical");
    args.emplace_back("--log=root.app:file:/dev/null");
  }
  args.insert(args.end(), extra.begin(), extra.end());
  // SimGrid copies the command line it is given.
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  return std::make_unique<simgrid::s4u::Engine>(&argc, argv.data());
}

SimGridScope::SimGridScope(const std::vector<std::string>& extra) : engine_(open_simgrid_engine(extra)) {}
SimGridScope::~SimGridScope() = default;

LinkParams simgrid_loopback() {
  return {simgrid::config::get_value<double>("network/loopback-bw"),
          simgrid::config::get_value<double>("network/loopback-lat")};
}

}  // namespace lcperf::sim
