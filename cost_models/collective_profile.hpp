#pragma once
// NCCL-style constants of a device's collective cost model (the "collective" section of
// a device profile). The structure follows NCCL's own alpha-beta tuner: a base latency
// per algorithm and protocol, a latency per hop that depends on whether the hop crosses
// NVLink or the network, and a bus bandwidth that is the link bandwidth times an
// efficiency. See README.md for how the numbers combine.
#include <array>
#include <optional>
#include <string_view>

namespace lcperf::cost {

enum class CollectiveAlgorithm { none, ring, tree, p2p };
enum class CollectiveProtocol { ll, ll128, simple };

inline constexpr std::array<CollectiveProtocol, 3> kAllProtocols = {CollectiveProtocol::ll, CollectiveProtocol::ll128,
                                                                    CollectiveProtocol::simple};

std::string_view to_string(CollectiveAlgorithm algorithm);
std::string_view to_string(CollectiveProtocol protocol);
std::optional<CollectiveProtocol> parse_collective_protocol(std::string_view text);

struct ProtocolConstants {
  double base_latency_s = 0;       // fixed cost of one collective call
  double intra_hop_latency_s = 0;  // per step over NVLink (or PCIe)
  double inter_hop_latency_s = 0;  // per step over the network
  double bus_efficiency = 1.0;     // protocol's share of link bandwidth (LL: half is flags)
  double max_bus_bw_bytes_per_s = 0;  // absolute cap (NCCL's per-channel caps x channels); 0 = none
};

struct CollectiveProfile {
  double nvlink_efficiency = 0.8;  // achievable fraction of the intra-node link bandwidth
  double net_efficiency = 0.92;    // achievable fraction of the per-node NIC bandwidth
  std::array<ProtocolConstants, 3> ring{};  // indexed by CollectiveProtocol
  std::array<ProtocolConstants, 3> tree{};
  double p2p_intra_latency_s = 0;  // send/recv (and all-to-all) latency within a node
  double p2p_inter_latency_s = 0;  // ... across nodes

  const ProtocolConstants& constants(CollectiveAlgorithm algorithm, CollectiveProtocol protocol) const;
};

}  // namespace lcperf::cost
