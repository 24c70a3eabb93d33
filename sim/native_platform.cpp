#include "sim/native_platform.hpp"

#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

namespace lcperf::sim {

namespace {

enum class HostKind : unsigned char { gpu, cpu, node_mirror, fabric_mirror };

// What an EngineHost of this platform points to.
struct NativeHost {
  int node = 0;
  HostKind kind = HostKind::gpu;
  int index = 0;  // the GPU host within its node (gpu and mirrors)
};

enum Direction : int { kUp = 0, kDown = 1 };

// Links are numbered 2 * duplex link + direction, as SimGrid makes one link per
// direction of a split-duplex link.
struct NodeLinks {
  int up = 0;  // the node's uplink to the fabric
  int nic = 0;     // first NIC link
  int nvlink = 0;  // first GPU host's NVLink
  int pcie = 0;    // first GPU host's PCIe link
};

class NativeCluster final : public HostNetwork {
 public:
  NativeCluster(const core::ClusterSpec& cluster, const ClusterLinks& c, int fold, LinkParams loopback)
      : cluster_(cluster), fold_(fold) {
    const auto make_duplex = [this](LinkParams p) {
      const int duplex = static_cast<int>(links_.size()) / 2;
      links_.push_back(p);  // up
      links_.push_back(p);  // down
      return duplex;
    };
    for (int n = 0; n < c.nodes; ++n) {
      NodeLinks& l = nodes_.emplace_back();
      l.up = make_duplex(c.uplink);
      l.nic = make_duplex(c.nic);
      for (int i = 1; i < c.nic_links; ++i) make_duplex(c.nic);
      const int hosts = c.hosts_of_node[static_cast<std::size_t>(n)];
      l.nvlink = static_cast<int>(links_.size()) / 2;
      for (int i = 0; i < hosts; ++i) make_duplex(c.intra);
      l.pcie = static_cast<int>(links_.size()) / 2;
      for (int i = 0; i < hosts; ++i) make_duplex(c.pcie);
    }
    loopback_ = static_cast<int>(links_.size());
    links_.push_back(loopback);
  }

  EngineHost add_host(int node, HostKind kind, int index) {
    return reinterpret_cast<EngineHost>(&hosts_.emplace_back(NativeHost{node, kind, index}));
  }

  double speed(EngineHost) const override { return kGpuHostSpeed; }

  void route(EngineHost src, EngineHost dst, HostRoute& out) const override {
    out.links.clear();
    out.latency = 0;
    if (src == dst) {
      add(out, loopback_, false);
      return;
    }
    const NativeHost& a = *reinterpret_cast<const NativeHost*>(src);
    const NativeHost& b = *reinterpret_cast<const NativeHost*>(dst);
    if (a.node == b.node) {
      within_node(a, b, out);
      return;
    }
    // SimGrid's hierarchical routing: the fabric zone's route between the two nodes is
    // found (and its latency added) first, then the source's way up to its node's
    // gateway, then the destination's way down from its gateway; the links come out in
    // crossing order.
    const int up_a = 2 * node_links(a).up + kUp;
    const int up_b = 2 * node_links(b).up + kDown;
    out.latency += links_[static_cast<std::size_t>(up_a)].latency;
    out.latency += links_[static_cast<std::size_t>(up_b)].latency;
    const int nic_a = 2 * gateway_link(a) + kUp;
    const int nic_b = 2 * gateway_link(b) + kDown;
    out.latency += links_[static_cast<std::size_t>(nic_a)].latency;
    out.latency += links_[static_cast<std::size_t>(nic_b)].latency;
    for (const int link : {nic_a, up_a, up_b, nic_b}) out.links.push_back(network_link(link, true));
  }

 private:
  const NodeLinks& node_links(const NativeHost& h) const { return nodes_[static_cast<std::size_t>(h.node)]; }
  int nic_of(const NativeHost& h) const { return node_links(h).nic + nic_link_of_host(cluster_, fold_, h.index); }

  // The duplex link through which a host reaches its node's gateway (the NIC switch).
  int gateway_link(const NativeHost& h) const {
    if (h.kind == HostKind::gpu) return nic_of(h);
    if (h.kind == HostKind::cpu) return node_links(h).nic;  // controller messages: the first NIC
    throw std::logic_error("native platform: a mirror host has no route off its node");
  }

  // The routes written into a node's zone (platform_builder.cpp), nothing else.
  void within_node(const NativeHost& a, const NativeHost& b, HostRoute& out) const {
    const NodeLinks& l = node_links(a);
    if (a.kind == HostKind::gpu && b.kind == HostKind::gpu) {
      add(out, 2 * (l.nvlink + a.index) + kUp, true);
      add(out, 2 * (l.nvlink + b.index) + kDown, true);
    } else if (a.kind == HostKind::gpu && b.kind == HostKind::cpu) {
      add(out, 2 * (l.pcie + a.index) + kUp, true);
    } else if (a.kind == HostKind::cpu && b.kind == HostKind::gpu) {
      add(out, 2 * (l.pcie + b.index) + kDown, true);
    } else if (a.kind == HostKind::gpu && b.kind == HostKind::node_mirror && a.index == b.index) {
      add(out, 2 * (l.nvlink + a.index) + kUp, true);
      add(out, 2 * (l.nvlink + a.index) + kDown, true);
    } else if (a.kind == HostKind::gpu && b.kind == HostKind::fabric_mirror && a.index == b.index) {
      add(out, 2 * nic_of(a) + kUp, true);
      add(out, 2 * l.up + kUp, true);
      add(out, 2 * l.up + kDown, true);
      add(out, 2 * nic_of(a) + kDown, true);
    } else {
      throw std::logic_error("native platform: no route between these two hosts of node " + std::to_string(a.node));
    }
  }

  NetworkLink network_link(int link, bool shared) const {
    const LinkParams& p = links_[static_cast<std::size_t>(link)];
    return NetworkLink{&p, p.bandwidth, shared};
  }
  void add(HostRoute& out, int link, bool shared) const {
    out.links.push_back(network_link(link, shared));
    out.latency += links_[static_cast<std::size_t>(link)].latency;
  }

  core::ClusterSpec cluster_;
  int fold_;
  std::vector<LinkParams> links_;  // never grows once built: routes point into it
  int loopback_ = 0;
  std::vector<NodeLinks> nodes_;
  std::deque<NativeHost> hosts_;  // a deque: EngineHosts point into it
};

}  // namespace

Platform build_native_platform(const core::ClusterSpec& cluster, int gpus_used, bool free_communication, int fold,
                               bool mirrors, LinkParams loopback) {
  const ClusterLinks c = cluster_links(cluster, gpus_used, free_communication, fold);
  auto network = std::make_shared<NativeCluster>(cluster, c, fold, loopback);
  Platform platform;
  for (int n = 0; n < c.nodes; ++n) {
    platform.node_cpus.push_back(network->add_host(n, HostKind::cpu, 0));
    const int hosts = c.hosts_of_node[static_cast<std::size_t>(n)];
    for (int i = 0; i < hosts; ++i) {
      platform.gpus.push_back(network->add_host(n, HostKind::gpu, i));
      if (mirrors) {
        platform.node_mirrors.push_back(network->add_host(n, HostKind::node_mirror, i));
        platform.fabric_mirrors.push_back(network->add_host(n, HostKind::fabric_mirror, i));
      }
    }
  }
  platform.network = std::move(network);
  return platform;
}

}  // namespace lcperf::sim
