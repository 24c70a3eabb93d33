#pragma once
// Builds the SimGrid platform of a cluster (native_platform.hpp builds the same one
// without SimGrid, for the native engine):
//
//   GPU g --nvlink(g) up/down--> NVSwitch (non-blocking crossbar) --> GPU h      same node
//   GPU g --pcie(g)--> node CPU host (host memory tier, controllers)            same node
//   GPU g --nic(g mod nics)--> node uplink --> scale-out fabric --> node uplink --> nic --> GPU h
//
// Each node is a full zone with explicit routes; nodes hang off a star zone whose
// center is the scale-out fabric (non-blocking fat tree, or oversubscribed through the
// node uplink's capacity). All links are split-duplex: each direction has its own
// bandwidth, as NVLink, PCIe and InfiniBand do.
#include <memory>
#include <vector>

#include "core/cluster_spec.hpp"
#include "sim/event_engine.hpp"
#include "sim/host_network.hpp"

namespace lcperf::sim {

struct Platform {
  std::vector<EngineHost> gpus;       // index = global GPU id / fold
  std::vector<EngineHost> node_cpus;  // index = node
  // With mirrors (data-parallel folding, SimulationInput::image_of_rank), per GPU host:
  // a host reached from it over its own NVLink up and down, and one reached over its own
  // NIC and node uplink up and back down, as a transfer to a peer on the same node or
  // on another node crosses them. Empty without mirrors.
  std::vector<EngineHost> node_mirrors;
  std::vector<EngineHost> fabric_mirrors;
  // Speeds and routes between these hosts (SimGrid's: simgrid_network(); lcperf's own
  // platform: owns its hosts and links).
  std::shared_ptr<const HostNetwork> network;
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

// One link (each direction of a split-duplex one): its bandwidth and latency.
struct LinkParams {
  double bandwidth;
  double latency;
};

// The links of a cluster's platform, as both builders make them.
struct ClusterLinks {
  int nodes = 0;                   // nodes used
  std::vector<int> hosts_of_node;  // GPU hosts per node (GPUs / fold)
  int nic_links = 0;               // NIC links per node (NICs pooled with folding)
  LinkParams uplink{};             // node <-> scale-out fabric
  LinkParams nic{};                // per NIC link
  LinkParams intra{};              // per GPU host to the NVSwitch (or PCIe switch)
  LinkParams pcie{};               // per GPU host to its node's CPU host
};
ClusterLinks cluster_links(const core::ClusterSpec& cluster, int gpus_used, bool free_communication, int fold);

// The SimGrid platform; SimGrid's engine must be open.
Platform build_platform(const core::ClusterSpec& cluster, int gpus_used, bool free_communication, int fold = 1,
                        bool mirrors = false);

}  // namespace lcperf::sim
