#pragma once
// Builds the SimGrid platform of a cluster:
//
//   GPU g --nvlink(g) up/down--> NVSwitch (non-blocking crossbar) --> GPU h      same node
//   GPU g --pcie(g)--> node CPU host (host memory tier, controllers)            same node
//   GPU g --nic(g mod nics)--> node uplink --> scale-out fabric --> node uplink --> nic --> GPU h
//
// Each node is a full zone with explicit routes; nodes hang off a star zone whose
// center is the scale-out fabric (non-blocking fat tree, or oversubscribed through the
// node uplink's capacity). All links are split-duplex: each direction has its own
// bandwidth, as NVLink, PCIe and InfiniBand do.
#include <vector>

#include <simgrid/forward.h>

#include "core/cluster_spec.hpp"

namespace lcperf::sim {

struct Platform {
  std::vector<simgrid::s4u::Host*> gpus;       // index = global GPU id / fold
  std::vector<simgrid::s4u::Host*> node_cpus;  // index = node
  // With mirrors (data-parallel folding, SimulationInput::image_of_rank), per GPU host:
  // a host reached from it over its own NVLink up and down, and one reached over its own
  // NIC and node uplink up and back down, as a transfer to a peer on the same node or
  // on another node crosses them. Empty without mirrors.
  std::vector<simgrid::s4u::Host*> node_mirrors;
  std::vector<simgrid::s4u::Host*> fabric_mirrors;
};

// Speed of a GPU host in "flops" per second: an op of isolated duration t is an
// execution of t * kGpuHostSpeed. Large so that microsecond ops stay exact in doubles.
inline constexpr double kGpuHostSpeed = 1e12;

// With fold > 1 each host stands for `fold` consecutive GPUs (see SimulationInput::fold):
// its NVLink and PCIe links are `fold` times as wide, and the node's NICs are pooled
// into as many links as there are such hosts (or NICs, if fewer).
// The NIC link (index within its node) through which host `host_in_node` of a node
// reaches the fabric, with folding `fold`: NICs are pooled into min(hosts, NICs) links
// and host i uses link i mod links, as GPUDirect RDMA pairs GPU i with NIC i.
int nic_link_of_host(const core::ClusterSpec& cluster, int fold, int host_in_node);

Platform build_platform(const core::ClusterSpec& cluster, int gpus_used, bool free_communication, int fold = 1,
                        bool mirrors = false);

}  // namespace lcperf::sim
