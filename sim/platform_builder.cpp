#include "sim/platform_builder.hpp"

#include <algorithm>
#include <string>

#include <simgrid/s4u.hpp>

#include "sim/simgrid_host.hpp"

namespace lcperf::sim {

namespace sg = simgrid::s4u;
using Direction = sg::LinkInRoute::Direction;

namespace {

// "Free" communication still goes through the engine (so rendezvous semantics stay) but
// on links that take no time.
constexpr double kFreeBandwidth = 1e25;

LinkParams params(double bandwidth, double latency, bool free_communication) {
  if (free_communication) return {kFreeBandwidth, 0.0};
  return {bandwidth, latency};
}

sg::SplitDuplexLink* duplex(sg::NetZone* zone, const std::string& name, LinkParams p) {
  auto* link = zone->create_split_duplex_link(name, p.bandwidth);
  link->set_latency(p.latency);
  link->seal();
  return link;
}

void route(sg::NetZone* zone, simgrid::kernel::routing::NetPoint* src, simgrid::kernel::routing::NetPoint* dst,
           std::vector<sg::LinkInRoute> links) {
  zone->add_route(src, dst, nullptr, nullptr, links, false);
}

int nic_links(const core::ClusterSpec& cluster, int fold) {
  return std::min(cluster.gpus_per_node / fold, std::max(1, cluster.nics_per_node));
}

}  // namespace

int nic_link_of_host(const core::ClusterSpec& cluster, int fold, int host_in_node) {
  return host_in_node % std::max(1, nic_links(cluster, fold));
}

ClusterLinks cluster_links(const core::ClusterSpec& cluster, int gpus_used, bool free_communication, int fold) {
  const core::HardwareSpec& hw = cluster.gpu;
  ClusterLinks c;
  c.nodes = std::max(1, (gpus_used + cluster.gpus_per_node - 1) / cluster.gpus_per_node);
  for (int n = 0; n < c.nodes; ++n) {
    c.hosts_of_node.push_back(std::min(cluster.gpus_per_node, gpus_used - n * cluster.gpus_per_node) / fold);
  }
  const double nic_bw = hw.nic_bandwidth_bytes_per_s;
  const int nics = std::max(1, cluster.nics_per_node);
  // NIC links as the hosts see them: with folding, the NICs of a group are pooled.
  c.nic_links = nic_links(cluster, fold);
  c.nic = params(nic_bw * nics / c.nic_links, hw.nic_latency_s, free_communication);
  // The node's share of the fabric: all its NICs, divided by the oversubscription.
  c.uplink = params(nic_bw * nics / std::max(1.0, cluster.oversubscription), cluster.switch_latency_s,
                    free_communication);
  const double intra_bw = cluster.fabric == core::IntraNodeFabric::nvswitch ? hw.nvlink_bandwidth_bytes_per_s
                                                                            : hw.pcie_bandwidth_bytes_per_s;
  const double intra_lat = cluster.fabric == core::IntraNodeFabric::nvswitch ? hw.nvlink_latency_s : hw.pcie_latency_s;
  c.intra = params(intra_bw * fold, intra_lat, free_communication);
  c.pcie = params(hw.pcie_bandwidth_bytes_per_s * fold, hw.pcie_latency_s, free_communication);
  return c;
}

Platform build_platform(const core::ClusterSpec& cluster, int gpus_used, bool free_communication, int fold,
                        bool mirrors) {
  const ClusterLinks c = cluster_links(cluster, gpus_used, free_communication, fold);
  const int nodes_used = c.nodes;
  Platform platform;
  // Not owned: SimGrid's engine owns the platform.
  platform.network = std::shared_ptr<const HostNetwork>(std::shared_ptr<void>(), &simgrid_network());

  auto* fabric = sg::create_star_zone("fabric");
  fabric->set_property("description", "scale-out network");

  // Every link is made first, declared in the fabric zone, and the zones after them.
  // SimGrid checks a new link's name against each zone's links in turn: with the links
  // spread over a zone per node and made as the zones grew, the build was quadratic in
  // nodes (a sixth of the instructions of a 1,024-GPU simulation). Where a link is
  // declared changes nothing else (routes name links by pointer, and every zone shares
  // one network model), and the links are made in the same order as before.
  struct NodeLinks {
    sg::SplitDuplexLink* up = nullptr;  // the node's uplink to the fabric
    std::vector<sg::SplitDuplexLink*> nic;
    std::vector<sg::SplitDuplexLink*> nvlink;
    std::vector<sg::SplitDuplexLink*> pcie;
  };
  const auto gpus_of_node = [&](int n) { return c.hosts_of_node[static_cast<std::size_t>(n)]; };
  const auto gpu_name = [&](int n, int i) { return "gpu" + std::to_string(n * cluster.gpus_per_node + i * fold); };
  std::vector<NodeLinks> node_links(static_cast<std::size_t>(nodes_used));
  for (int n = 0; n < nodes_used; ++n) {
    const std::string prefix = "node" + std::to_string(n);
    NodeLinks& l = node_links[static_cast<std::size_t>(n)];
    l.up = duplex(fabric, prefix + "-uplink", c.uplink);
    for (int i = 0; i < c.nic_links; ++i) l.nic.push_back(duplex(fabric, prefix + "-nic" + std::to_string(i), c.nic));
    for (int i = 0; i < gpus_of_node(n); ++i) {
      const std::string name = gpu_name(n, i);
      l.nvlink.push_back(duplex(fabric, name + "-nvlink", c.intra));
      l.pcie.push_back(duplex(fabric, name + "-pcie", c.pcie));
    }
  }

  for (int n = 0; n < nodes_used; ++n) {
    const std::string prefix = "node" + std::to_string(n);
    const NodeLinks& l = node_links[static_cast<std::size_t>(n)];
    auto* up = l.up;
    const std::vector<sg::SplitDuplexLink*>& nic = l.nic;
    const std::vector<sg::SplitDuplexLink*>& nvlink = l.nvlink;
    const std::vector<sg::SplitDuplexLink*>& pcie = l.pcie;
    auto* node = sg::create_full_zone(prefix);
    node->set_parent(fabric);
    auto* gateway = node->create_router(prefix + "-nic-switch");
    auto* cpu = node->create_host(prefix + "-cpu", kGpuHostSpeed);
    platform.node_cpus.push_back(engine_host(cpu));

    std::vector<sg::Host*> gpus;
    const int count = gpus_of_node(n);
    for (int i = 0; i < count; ++i) gpus.push_back(node->create_host(gpu_name(n, i), kGpuHostSpeed));
    for (int i = 0; i < count; ++i) {
      auto* gi = gpus[static_cast<std::size_t>(i)]->get_netpoint();
      for (int j = 0; j < count; ++j) {
        if (i == j) continue;
        route(node, gi, gpus[static_cast<std::size_t>(j)]->get_netpoint(),
              {{nvlink[static_cast<std::size_t>(i)], Direction::UP}, {nvlink[static_cast<std::size_t>(j)], Direction::DOWN}});
      }
      // GPU i reaches the fabric through NIC (i mod nics), as GPUDirect RDMA does.
      auto* nic_i = nic[static_cast<std::size_t>(nic_link_of_host(cluster, fold, i))];
      route(node, gi, gateway, {{nic_i, Direction::UP}});
      route(node, gateway, gi, {{nic_i, Direction::DOWN}});
      auto* pcie_i = pcie[static_cast<std::size_t>(i)];
      route(node, gi, cpu->get_netpoint(), {{pcie_i, Direction::UP}});
      route(node, cpu->get_netpoint(), gi, {{pcie_i, Direction::DOWN}});
      if (mirrors) {
        const std::string name = gpus[static_cast<std::size_t>(i)]->get_name();
        auto* on_node = node->create_host(name + "-node-mirror", kGpuHostSpeed);
        auto* off_node = node->create_host(name + "-fabric-mirror", kGpuHostSpeed);
        route(node, gi, on_node->get_netpoint(),
              {{nvlink[static_cast<std::size_t>(i)], Direction::UP}, {nvlink[static_cast<std::size_t>(i)], Direction::DOWN}});
        route(node, gi, off_node->get_netpoint(),
              {{nic_i, Direction::UP}, {up, Direction::UP}, {up, Direction::DOWN}, {nic_i, Direction::DOWN}});
        platform.node_mirrors.push_back(engine_host(on_node));
        platform.fabric_mirrors.push_back(engine_host(off_node));
      }
    }
    // The CPU host reaches other nodes through the first NIC (controller messages).
    route(node, cpu->get_netpoint(), gateway, {{nic[0], Direction::UP}});
    route(node, gateway, cpu->get_netpoint(), {{nic[0], Direction::DOWN}});
    node->seal();

    fabric->add_route(node->get_netpoint(), nullptr, gateway, nullptr, {{up, Direction::UP}}, false);
    fabric->add_route(nullptr, node->get_netpoint(), nullptr, gateway, {{up, Direction::DOWN}}, false);
    for (sg::Host* gpu : gpus) platform.gpus.push_back(engine_host(gpu));
  }
  fabric->seal();
  return platform;
}

}  // namespace lcperf::sim
