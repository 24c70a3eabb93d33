#pragma once
// The cluster platform of platform_builder.hpp built without SimGrid, for the native
// engine: the same hosts (GPU hosts, each node's CPU host, mirrors), the same links
// (cluster_links()), and routes that give what SimGrid's Host::route_to gives on the
// SimGrid-built platform: the same links in the same order, and the same latency to the
// bit (SimGrid sums a route between nodes as the fabric's part first, then the source
// node's, then the destination node's). A host's route to itself is SimGrid's loopback,
// one FATPIPE link shared by every host. tests/sim/native_platform_test.cpp compares
// every host pair of several shapes with SimGrid's.
#include "core/cluster_spec.hpp"
#include "sim/platform_builder.hpp"

namespace lcperf::sim {

// The platform of build_platform(), with the same arguments; Platform::network owns it.
// `loopback`: SimGrid's network/loopback-bw and -lat (simgrid_loopback()).
Platform build_native_platform(const core::ClusterSpec& cluster, int gpus_used, bool free_communication, int fold,
                               bool mirrors, LinkParams loopback);

}  // namespace lcperf::sim
