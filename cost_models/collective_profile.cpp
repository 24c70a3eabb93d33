#include "cost_models/collective_profile.hpp"

#include <stdexcept>

namespace lcperf::cost {

std::string_view to_string(CollectiveAlgorithm algorithm) {
  switch (algorithm) {
    case CollectiveAlgorithm::none: return "none";
    case CollectiveAlgorithm::ring: return "ring";
    case CollectiveAlgorithm::tree: return "tree";
    case CollectiveAlgorithm::p2p: return "p2p";
  }
  return "?";
}

std::string_view to_string(CollectiveProtocol protocol) {
  switch (protocol) {
    case CollectiveProtocol::ll: return "ll";
    case CollectiveProtocol::ll128: return "ll128";
    case CollectiveProtocol::simple: return "simple";
  }
  return "?";
}

std::optional<CollectiveProtocol> parse_collective_protocol(std::string_view text) {
  for (CollectiveProtocol p : kAllProtocols) {
    if (to_string(p) == text) return p;
  }
  return std::nullopt;
}

const ProtocolConstants& CollectiveProfile::constants(CollectiveAlgorithm algorithm,
                                                      CollectiveProtocol protocol) const {
  const auto index = static_cast<std::size_t>(protocol);
  if (algorithm == CollectiveAlgorithm::ring) return ring[index];
  if (algorithm == CollectiveAlgorithm::tree) return tree[index];
  throw std::logic_error("CollectiveProfile::constants: only ring and tree have per-protocol constants");
}

}  // namespace lcperf::cost
