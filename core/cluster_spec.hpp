#pragma once
// Nodes of identical GPUs, an intra-node fabric and a scale-out network.
#include <string>

#include "core/hardware_spec.hpp"

namespace lcperf::core {

enum class IntraNodeFabric { nvswitch, pcie };
// fat_tree: non-blocking (or oversubscribed) Clos between all NICs;
// rail_optimized: NIC i of every node on rail switch i, rails joined by a spine.
enum class Topology { fat_tree, rail_optimized };

struct ClusterSpec {
  std::string id;
  HardwareSpec gpu;
  int nodes = 1;
  int gpus_per_node = 8;
  IntraNodeFabric fabric = IntraNodeFabric::nvswitch;
  int nics_per_node = 8;
  Topology topology = Topology::fat_tree;
  double oversubscription = 1.0;  // spine bandwidth divisor (1 = non-blocking)
  double switch_latency_s = 1e-6;  // one hop through the scale-out switch

  int world_size() const { return nodes * gpus_per_node; }
  int node_of(int gpu_index) const { return gpu_index / gpus_per_node; }
};

std::string_view to_string(IntraNodeFabric fabric);
std::string_view to_string(Topology topology);

}  // namespace lcperf::core
