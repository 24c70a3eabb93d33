// lcperf's own cluster platform (native_platform.hpp) against the one SimGrid builds
// (platform_builder.hpp), for every host pair of several cluster shapes: the same links
// in the same order (bandwidth, SHARED or FATPIPE, and the same physical link wherever
// SimGrid has the same one), and the same latency to the bit, as the native engine's
// results depend on both. Each shape runs in a child: SimGrid allows one engine per
// process.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/host_network.hpp"
#include "sim/native_platform.hpp"
#include "sim/platform_builder.hpp"
#include "sim/simgrid_options.hpp"
#include "sim_test_support.hpp"

namespace lcperf::sim {
namespace {

struct Shape {
  int nodes;
  int gpus_per_node;
  int nics_per_node;
  int fold;
  bool mirrors;
  bool free_communication;
  core::IntraNodeFabric fabric;
  double oversubscription;
  int gpus_missing = 0;  // GPUs of the last node left out (a partly used node)
};

std::string describe(const Shape& s) {
  std::ostringstream out;
  out << s.nodes << " nodes x " << s.gpus_per_node << " GPUs, " << s.nics_per_node << " NICs, fold " << s.fold
      << (s.mirrors ? ", mirrors" : "") << (s.free_communication ? ", free communication" : "") << ", "
      << core::to_string(s.fabric) << ", oversubscription " << s.oversubscription << ", " << s.gpus_missing
      << " GPUs missing";
  return out.str();
}

// Latencies with many significant bits, so that summing a route's links in another
// order than SimGrid's gives another double (checked below).
core::ClusterSpec cluster_of(const Shape& s) {
  core::ClusterSpec c = testing::round_cluster(s.nodes, s.gpus_per_node);
  c.nics_per_node = s.nics_per_node;
  c.fabric = s.fabric;
  c.oversubscription = s.oversubscription;
  c.switch_latency_s = 1.37e-6;
  c.gpu.nvlink_latency_s = 0.71e-6;
  c.gpu.pcie_latency_s = 2.13e-6;
  c.gpu.nic_latency_s = 1e-6;
  c.gpu.nvlink_bandwidth_bytes_per_s = 450e9;
  c.gpu.nic_bandwidth_bytes_per_s = 48.5e9;
  return c;
}

struct Placed {
  EngineHost host;
  int node;
  char kind;  // 'g' GPU host, 'c' node CPU, 'n' node mirror, 'f' fabric mirror
  int index;  // GPU host within its node
};

std::vector<Placed> hosts_of(const Platform& p, const std::vector<int>& hosts_of_node, bool mirrors) {
  std::vector<Placed> out;
  std::size_t g = 0;
  for (std::size_t n = 0; n < hosts_of_node.size(); ++n) {
    out.push_back({p.node_cpus[n], static_cast<int>(n), 'c', 0});
    for (int i = 0; i < hosts_of_node[n]; ++i, ++g) {
      out.push_back({p.gpus[g], static_cast<int>(n), 'g', i});
      if (mirrors) {
        out.push_back({p.node_mirrors[g], static_cast<int>(n), 'n', i});
        out.push_back({p.fabric_mirrors[g], static_cast<int>(n), 'f', i});
      }
    }
  }
  return out;
}

// The pairs platform_builder.cpp writes a route for (hierarchically, through the nodes'
// gateways), and each host to itself (the loopback).
bool routed(const Placed& a, const Placed& b) {
  if (a.host == b.host) return true;
  const bool a_plain = a.kind == 'g' || a.kind == 'c';
  const bool b_plain = b.kind == 'g' || b.kind == 'c';
  if (a_plain && b_plain) return !(a.kind == 'c' && b.kind == 'c' && a.node == b.node);
  return a.kind == 'g' && (b.kind == 'n' || b.kind == 'f') && a.node == b.node && a.index == b.index;
}

// The first few differences say enough.
std::string first_lines(const std::string& text, int lines) {
  std::size_t end = 0;
  for (int line = 0; line < lines; ++line) {
    end = text.find('\n', end);
    if (end == std::string::npos) return text;
    ++end;
  }
  return text.substr(0, end);
}

// In the child: "pairs <n> cross <m>" (routed pairs, of which between nodes), then one
// line per difference.
std::string compare(const Shape& s) {
  const SimGridScope simgrid;
  const core::ClusterSpec cluster = cluster_of(s);
  const int gpus = s.nodes * s.gpus_per_node - s.gpus_missing;
  const Platform reference = build_platform(cluster, gpus, s.free_communication, s.fold, s.mirrors);
  const Platform native = build_native_platform(cluster, gpus, s.free_communication, s.fold, s.mirrors, simgrid_loopback());
  const std::vector<int> per_node = cluster_links(cluster, gpus, s.free_communication, s.fold).hosts_of_node;
  const std::vector<Placed> sg_hosts = hosts_of(reference, per_node, s.mirrors);
  const std::vector<Placed> nat_hosts = hosts_of(native, per_node, s.mirrors);
  std::ostringstream out;
  out.precision(17);
  if (reference.gpus.size() != native.gpus.size() || reference.node_cpus.size() != native.node_cpus.size() ||
      reference.node_mirrors.size() != native.node_mirrors.size() ||
      reference.fabric_mirrors.size() != native.fabric_mirrors.size() || sg_hosts.size() != nat_hosts.size()) {
    return "hosts differ\n";
  }
  // One native link per SimGrid link, across every route.
  std::map<const void*, const void*> native_of, simgrid_of;
  int pairs = 0, cross = 0;
  HostRoute want, got;
  for (std::size_t i = 0; i < sg_hosts.size(); ++i) {
    for (std::size_t j = 0; j < sg_hosts.size(); ++j) {
      const std::string pair = std::to_string(i) + sg_hosts[i].kind + " -> " + std::to_string(j) + sg_hosts[j].kind;
      bool native_routes = true;
      try {
        native.network->route(nat_hosts[i].host, nat_hosts[j].host, got);
      } catch (const std::logic_error&) {
        native_routes = false;
      }
      if (native_routes != routed(sg_hosts[i], sg_hosts[j])) {
        out << pair << ": native platform " << (native_routes ? "routes" : "does not route") << "\n";
        continue;
      }
      if (!native_routes) continue;  // SimGrid aborts on a missing route
      ++pairs;
      simgrid_network().route(sg_hosts[i].host, sg_hosts[j].host, want);
      if (got.latency != want.latency) {
        out << pair << ": latency " << got.latency << " vs SimGrid's " << want.latency << "\n";
      }
      if (got.links.size() != want.links.size()) {
        out << pair << ": " << got.links.size() << " links vs SimGrid's " << want.links.size() << "\n";
        continue;
      }
      for (std::size_t k = 0; k < want.links.size(); ++k) {
        const NetworkLink& w = want.links[k];
        const NetworkLink& g = got.links[k];
        if (g.bandwidth != w.bandwidth || g.shared != w.shared) {
          out << pair << ": link " << k << " bandwidth " << g.bandwidth << (g.shared ? " shared" : " fatpipe")
              << " vs SimGrid's " << w.bandwidth << (w.shared ? " shared" : " fatpipe") << "\n";
        }
        const auto [n, new_sg] = native_of.try_emplace(w.id, g.id);
        const auto [m, new_native] = simgrid_of.try_emplace(g.id, w.id);
        if (n->second != g.id || m->second != w.id) out << pair << ": link " << k << " is another link than SimGrid's\n";
      }
      if (sg_hosts[i].node != sg_hosts[j].node) ++cross;
    }
  }
  return "pairs " + std::to_string(pairs) + " cross " + std::to_string(cross) + "\n" + first_lines(out.str(), 8);
}

std::size_t expected_pairs(const Shape& s) {
  // GPU hosts and CPUs route to each other and themselves (one CPU per node); a mirror
  // only to itself, and from its GPU host.
  const core::ClusterSpec cluster = cluster_of(s);
  const int gpus = s.nodes * s.gpus_per_node - s.gpus_missing;
  const std::vector<int> per_node = cluster_links(cluster, gpus, s.free_communication, s.fold).hosts_of_node;
  std::size_t gpu_hosts = 0;
  for (const int h : per_node) gpu_hosts += static_cast<std::size_t>(h);
  const std::size_t plain = gpu_hosts + per_node.size();
  const std::size_t mirror_hosts = s.mirrors ? 2 * gpu_hosts : 0;
  return plain * plain + 2 * mirror_hosts;
}

void expect_same_routes(const Shape& s) {
  SCOPED_TRACE(describe(s));
  const std::string text = testing::text_from_child([&s] { return compare(s); });
  ASSERT_FALSE(text.empty()) << "the child failed";
  std::istringstream in(text);
  std::string word;
  std::size_t pairs = 0, cross = 0;
  in >> word >> pairs >> word >> cross;
  EXPECT_EQ(pairs, expected_pairs(s));
  if (s.nodes > 1) {
    EXPECT_GT(cross, 0u);
  }
  const std::string differences = text.substr(text.find('\n') + 1);
  EXPECT_EQ(differences, "") << "routes differ from SimGrid's";
}

using core::IntraNodeFabric;

TEST(NativePlatform, SingleNodeShapesMatchSimGrid) {
  expect_same_routes({1, 2, 1, 1, false, false, IntraNodeFabric::nvswitch, 1.0});
  expect_same_routes({1, 4, 2, 2, true, false, IntraNodeFabric::pcie, 1.0});
  expect_same_routes({1, 8, 8, 1, true, true, IntraNodeFabric::nvswitch, 2.0});
  expect_same_routes({1, 2, 2, 2, true, true, IntraNodeFabric::pcie, 2.0});
}

TEST(NativePlatform, MultiNodeShapesMatchSimGrid) {
  expect_same_routes({2, 8, 8, 1, false, false, IntraNodeFabric::nvswitch, 1.0});
  expect_same_routes({2, 8, 8, 2, true, false, IntraNodeFabric::nvswitch, 2.0});
  expect_same_routes({3, 4, 1, 1, true, false, IntraNodeFabric::pcie, 2.0});
  expect_same_routes({3, 8, 2, 2, true, true, IntraNodeFabric::nvswitch, 1.0});
  expect_same_routes({2, 2, 8, 2, false, false, IntraNodeFabric::pcie, 1.0});
  expect_same_routes({3, 4, 8, 2, false, true, IntraNodeFabric::nvswitch, 2.0});
  expect_same_routes({2, 8, 1, 2, true, false, IntraNodeFabric::pcie, 1.0});
  expect_same_routes({2, 4, 2, 1, true, false, IntraNodeFabric::nvswitch, 2.0});
  expect_same_routes({3, 2, 1, 1, false, true, IntraNodeFabric::pcie, 1.0});
}

TEST(NativePlatform, PartlyUsedLastNodeMatchesSimGrid) {
  expect_same_routes({3, 8, 8, 1, true, false, IntraNodeFabric::nvswitch, 1.0, 3});
  expect_same_routes({2, 8, 2, 2, false, false, IntraNodeFabric::nvswitch, 2.0, 4});
}

// The latencies above tell summation orders apart: a route between nodes summed in the
// order its links are crossed is not the double SimGrid gives (which the native
// platform matches), so the comparison above would catch the wrong order.
TEST(NativePlatform, LatenciesDistinguishSummationOrders) {
  const core::ClusterSpec c = cluster_of({2, 8, 8, 1, false, false, IntraNodeFabric::nvswitch, 1.0});
  const double nic = c.gpu.nic_latency_s, up = c.switch_latency_s;
  const double fabric_first = ((up + up) + nic) + nic;
  EXPECT_NE(((nic + up) + up) + nic, fabric_first);  // crossing order
  EXPECT_NE(((nic + nic) + up) + up, fabric_first);  // the nodes' parts first
}

}  // namespace
}  // namespace lcperf::sim
