#include "core/cluster_spec.hpp"

namespace lcperf::core {

std::string_view to_string(IntraNodeFabric fabric) {
  return fabric == IntraNodeFabric::nvswitch ? "nvswitch" : "pcie";
}

std::string_view to_string(Topology topology) {
  return topology == Topology::fat_tree ? "fat_tree" : "rail_optimized";
}

}  // namespace lcperf::core
