#include "sim/platform_builder.hpp"

#include <algorithm>
#include <string>

#include <simgrid/s4u.hpp>

namespace lcperf::sim {

namespace sg = simgrid::s4u;
using Direction = sg::LinkInRoute::Direction;

namespace {

// "Free" communication still goes through SimGrid (so rendezvous semantics stay) but on
// links that take no time.
constexpr double kFreeBandwidth = 1e25;

struct LinkParams {
  double bandwidth;
  double latency;
};

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

Platform build_platform(const core::ClusterSpec& cluster, int gpus_used, bool free_communication, int fold,
                        bool mirrors) {
  const core::HardwareSpec& hw = cluster.gpu;
  const int nodes_used = std::max(1, (gpus_used + cluster.gpus_per_node - 1) / cluster.gpus_per_node);
  Platform platform;

  auto* fabric = sg::create_star_zone("fabric");
  fabric->set_property("description", "scale-out network");
  const double nic_bw = hw.nic_bandwidth_bytes_per_s;
  const int nics = std::max(1, cluster.nics_per_node);
  // NIC links as the hosts see them: with folding, the NICs of a group are pooled.
  const int links = nic_links(cluster, fold);
  const double nic_link_bw = nic_bw * nics / links;
  // The node's share of the fabric: all its NICs, divided by the oversubscription.
  const LinkParams uplink = params(nic_bw * nics / std::max(1.0, cluster.oversubscription),
                                   cluster.switch_latency_s, free_communication);

  for (int n = 0; n < nodes_used; ++n) {
    const std::string prefix = "node" + std::to_string(n);
    // Made first: the mirror routes of the node's GPUs go out over it and back.
    auto* up = duplex(fabric, prefix + "-uplink", uplink);
    auto* node = sg::create_full_zone(prefix);
    node->set_parent(fabric);
    auto* gateway = node->create_router(prefix + "-nic-switch");
    auto* cpu = node->create_host(prefix + "-cpu", kGpuHostSpeed);
    platform.node_cpus.push_back(cpu);

    std::vector<sg::SplitDuplexLink*> nvlink;
    std::vector<sg::SplitDuplexLink*> pcie;
    std::vector<sg::SplitDuplexLink*> nic;
    std::vector<sg::Host*> gpus;
    const int first = n * cluster.gpus_per_node;
    const int count = std::min(cluster.gpus_per_node, gpus_used - first) / fold;
    for (int i = 0; i < links; ++i) {
      nic.push_back(duplex(node, prefix + "-nic" + std::to_string(i),
                           params(nic_link_bw, hw.nic_latency_s, free_communication)));
    }
    for (int i = 0; i < count; ++i) {
      std::string name = "gpu";
      name.append(std::to_string(first + i * fold));
      gpus.push_back(node->create_host(name, kGpuHostSpeed));
      const double intra_bw = cluster.fabric == core::IntraNodeFabric::nvswitch ? hw.nvlink_bandwidth_bytes_per_s
                                                                                : hw.pcie_bandwidth_bytes_per_s;
      const double intra_lat =
          cluster.fabric == core::IntraNodeFabric::nvswitch ? hw.nvlink_latency_s : hw.pcie_latency_s;
      nvlink.push_back(duplex(node, name + "-nvlink", params(intra_bw * fold, intra_lat, free_communication)));
      pcie.push_back(duplex(node, name + "-pcie",
                            params(hw.pcie_bandwidth_bytes_per_s * fold, hw.pcie_latency_s, free_communication)));
    }
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
        platform.node_mirrors.push_back(on_node);
        platform.fabric_mirrors.push_back(off_node);
      }
    }
    // The CPU host reaches other nodes through the first NIC (controller messages).
    route(node, cpu->get_netpoint(), gateway, {{nic[0], Direction::UP}});
    route(node, gateway, cpu->get_netpoint(), {{nic[0], Direction::DOWN}});
    node->seal();

    fabric->add_route(node->get_netpoint(), nullptr, gateway, nullptr, {{up, Direction::UP}}, false);
    fabric->add_route(nullptr, node->get_netpoint(), nullptr, gateway, {{up, Direction::DOWN}}, false);
    platform.gpus.insert(platform.gpus.end(), gpus.begin(), gpus.end());
  }
  fabric->seal();
  return platform;
}

}  // namespace lcperf::sim
