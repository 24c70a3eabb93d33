#include "cost_models/collective_model.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.hpp"

namespace lcperf::cost {

namespace {

void check_group(double bytes, int ranks, int nodes) {
  if (!(bytes >= 0)) throw core::InputError("collective: bytes must be >= 0");
  if (ranks < 1) throw core::InputError("collective: ranks must be >= 1");
  if (nodes < 1 || nodes > ranks) throw core::InputError("collective: nodes must be in [1, ranks]");
  if (ranks % nodes != 0) {
    throw core::InputError("collective: ranks (" + std::to_string(ranks) + ") must be a multiple of nodes (" +
                           std::to_string(nodes) + ")");
  }
}

// Ring steps of a collective, and how many of them cross a node boundary. A ring over
// N nodes has N inter-node edges; a pass of n-1 steps uses all edges but one, so at
// least N-1 of them; all-reduce makes two passes (reduce-scatter, then all-gather).
int ring_steps(core::CollectiveKind kind, int ranks) {
  return kind == core::CollectiveKind::all_reduce ? 2 * (ranks - 1) : ranks - 1;
}
int ring_inter_steps(core::CollectiveKind kind, int nodes) {
  if (nodes <= 1) return 0;
  return kind == core::CollectiveKind::all_reduce ? 2 * (nodes - 1) : nodes - 1;
}

}  // namespace

double bus_factor(core::CollectiveKind kind, int ranks) {
  const double n = ranks;
  switch (kind) {
    case core::CollectiveKind::all_reduce: return 2.0 * (n - 1) / n;
    case core::CollectiveKind::all_gather:
    case core::CollectiveKind::reduce_scatter:
    case core::CollectiveKind::all_to_all: return (n - 1) / n;
    case core::CollectiveKind::broadcast:
    case core::CollectiveKind::reduce: return 1.0;
  }
  return 1.0;
}

CollectiveModel::CollectiveModel(const core::HardwareSpec& hw, CollectiveProfile profile,
                                 double inter_node_bytes_per_s_per_gpu)
    : profile_(std::move(profile)) {
  // GPUs without NVLink (PCIe cards) talk over the host link.
  intra_bw_ = hw.nvlink_bandwidth_bytes_per_s > 0 ? hw.nvlink_bandwidth_bytes_per_s : hw.pcie_bandwidth_bytes_per_s;
  inter_bw_per_gpu_ = inter_node_bytes_per_s_per_gpu > 0 ? inter_node_bytes_per_s_per_gpu : hw.nic_bandwidth_bytes_per_s;
  if (!(intra_bw_ > 0)) {
    throw core::InputError("hardware '" + hw.id + "': needs nvlink or pcie bandwidth for the collective model");
  }
}

// Bus bandwidth of one (algorithm, protocol): the slower of the intra-node links and,
// across nodes, the node's NICs. A ring or tree over N nodes pushes about the same bus
// traffic through each node's NICs together as through one GPU's NVLink, so the
// network side is GPUs-per-node x per-GPU NIC bandwidth (reference section 4.3).
double CollectiveModel::bus_bw(CollectiveAlgorithm algorithm, CollectiveProtocol protocol, int ranks,
                               int nodes) const {
  const ProtocolConstants& c = profile_.constants(algorithm, protocol);
  double bw = intra_bw_ * profile_.nvlink_efficiency * c.bus_efficiency;
  if (nodes > 1) {
    const double per_node = static_cast<double>(ranks / nodes) * inter_bw_per_gpu_;
    bw = std::min(bw, per_node * profile_.net_efficiency * c.bus_efficiency);
  }
  if (c.max_bus_bw_bytes_per_s > 0) bw = std::min(bw, c.max_bus_bw_bytes_per_s);
  return bw;
}

std::optional<CollectiveCost> CollectiveModel::evaluate(core::CollectiveKind kind, double bytes, int ranks,
                                                        int nodes, CollectiveAlgorithm algorithm,
                                                        CollectiveProtocol protocol) const {
  check_group(bytes, ranks, nodes);
  if (ranks == 1) return CollectiveCost{};  // NCCL with one rank is at most a local copy
  if (nodes > 1 && !(inter_bw_per_gpu_ > 0)) {
    throw core::InputError("collective over " + std::to_string(nodes) + " nodes: no inter-node bandwidth known");
  }
  if (kind == core::CollectiveKind::all_to_all) {
    if (algorithm != CollectiveAlgorithm::p2p) return std::nullopt;
    return all_to_all(bytes, ranks, nodes);
  }
  if (algorithm == CollectiveAlgorithm::tree && kind != core::CollectiveKind::all_reduce) return std::nullopt;
  if (algorithm != CollectiveAlgorithm::ring && algorithm != CollectiveAlgorithm::tree) return std::nullopt;

  const ProtocolConstants& c = profile_.constants(algorithm, protocol);
  const int per_node = ranks / nodes;
  CollectiveCost cost;
  cost.algorithm = algorithm;
  cost.protocol = protocol;
  cost.bus_bw_bytes_per_s = bus_bw(algorithm, protocol, ranks, nodes);
  if (algorithm == CollectiveAlgorithm::ring) {
    const int steps = ring_steps(kind, ranks);
    const int inter = ring_inter_steps(kind, nodes);
    cost.latency_s = c.base_latency_s + (steps - inter) * c.intra_hop_latency_s + inter * c.inter_hop_latency_s;
    cost.alg_bw_bytes_per_s = cost.bus_bw_bytes_per_s / bus_factor(kind, ranks);
  } else {
    // Tree all-reduce: up a chain inside the node and a tree across nodes, then down.
    const double depth = nodes > 1 ? std::ceil(std::log2(static_cast<double>(nodes))) : 0.0;
    cost.latency_s =
        c.base_latency_s + 2.0 * ((per_node - 1) * c.intra_hop_latency_s + depth * c.inter_hop_latency_s);
    // NCCL converts tree bus bandwidth to algorithm bandwidth with a flat 1/2.
    cost.alg_bw_bytes_per_s = cost.bus_bw_bytes_per_s * 0.5;
  }
  cost.time_s = cost.latency_s + bytes / cost.alg_bw_bytes_per_s;
  return cost;
}

// All-to-all is grouped send/recv: each rank sends (n-1)/n of its buffer, the part for
// its own node over NVLink and the rest over its share of the NICs, concurrently.
CollectiveCost CollectiveModel::all_to_all(double bytes, int ranks, int nodes) const {
  const double n = ranks;
  const double per_node = static_cast<double>(ranks / nodes);
  const double intra_bytes = bytes * (per_node - 1) / n;
  const double inter_bytes = bytes * (n - per_node) / n;
  const double intra_t = intra_bytes / (intra_bw_ * profile_.nvlink_efficiency);
  const double inter_t = inter_bytes > 0 ? inter_bytes / (inter_bw_per_gpu_ * profile_.net_efficiency) : 0.0;
  CollectiveCost cost;
  cost.algorithm = CollectiveAlgorithm::p2p;
  cost.protocol = CollectiveProtocol::simple;
  cost.latency_s = nodes > 1 ? profile_.p2p_inter_latency_s : profile_.p2p_intra_latency_s;
  const double transfer = std::max(intra_t, inter_t);
  cost.time_s = cost.latency_s + transfer;
  cost.alg_bw_bytes_per_s = transfer > 0 ? bytes / transfer : 0.0;
  cost.bus_bw_bytes_per_s = cost.alg_bw_bytes_per_s * bus_factor(core::CollectiveKind::all_to_all, ranks);
  return cost;
}

CollectiveCost CollectiveModel::collective(core::CollectiveKind kind, double bytes, int ranks, int nodes) const {
  std::optional<CollectiveCost> best;
  for (CollectiveAlgorithm a : {CollectiveAlgorithm::ring, CollectiveAlgorithm::tree, CollectiveAlgorithm::p2p}) {
    for (CollectiveProtocol p : kAllProtocols) {
      const auto cost = evaluate(kind, bytes, ranks, nodes, a, p);
      if (cost && (!best || cost->time_s < best->time_s)) best = cost;
    }
  }
  return best.value_or(CollectiveCost{});
}

double CollectiveModel::p2p_time_s(double bytes, bool intra_node) const {
  if (!(bytes >= 0)) throw core::InputError("p2p: bytes must be >= 0");
  if (intra_node) return profile_.p2p_intra_latency_s + bytes / (intra_bw_ * profile_.nvlink_efficiency);
  if (!(inter_bw_per_gpu_ > 0)) throw core::InputError("p2p across nodes: no inter-node bandwidth known");
  return profile_.p2p_inter_latency_s + bytes / (inter_bw_per_gpu_ * profile_.net_efficiency);
}

}  // namespace lcperf::cost
