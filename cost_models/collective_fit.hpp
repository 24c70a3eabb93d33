#pragma once
// The collective section of a device profile fitted to measured NCCL times inside one
// node (cost_models/README.md, "Calibration from measured tables"):
// - a send/recv between two GPUs of a node is the model's p2p, latency + bytes /
//   (link bandwidth x nvlink_efficiency): weighted linear least squares on relative
//   residuals gives p2p_intra_latency_s and nvlink_efficiency (the achieved fraction
//   of the link, which every intra-node transfer then shares);
// - an all-reduce is the model's fastest (algorithm, protocol). The structure of NCCL's
//   tuner stays as the base has it (per-protocol latencies, bus efficiencies and caps);
//   three factors are fitted: one (at most 1) scaling every protocol's bus efficiency
//   and cap (the achieved bus bandwidth), one every base latency (the cost of a call,
//   framework included, whatever the group size) and one every intra-node hop latency,
//   by minimizing the squared log error over a log-spaced grid refined around its best
//   point (deterministic; three parameters need nothing cleverer).
// Rows across nodes are not fitted: what joined the nodes of a measured cluster is not
// part of such a table, so the inter-node constants stay the base's.
#include <cstddef>
#include <vector>

#include "core/hardware_spec.hpp"
#include "cost_models/collective_model.hpp"
#include "cost_models/collective_profile.hpp"

namespace lcperf::cost {

enum class MeasuredCollectiveKind { all_reduce, send_recv };

struct MeasuredCollective {
  MeasuredCollectiveKind kind = MeasuredCollectiveKind::all_reduce;
  double bytes = 0;  // the whole buffer (nccl-tests' size)
  int ranks = 2;
  int nodes = 1;
  double time_s = 0;
};

struct CollectiveFit {
  CollectiveProfile profile;
  double bus_efficiency_factor = 1;  // applied to every protocol's bus efficiency (capped at 1) and cap
  double base_latency_factor = 1;    // applied to every base latency
  double hop_latency_factor = 1;     // applied to every intra-node hop latency
  std::size_t send_recv_rows = 0;    // fitted rows of each kind (single node)
  std::size_t all_reduce_rows = 0;
};

// Rows across nodes are ignored. Without send/recv rows the base's p2p latency and
// NVLink efficiency stay; without all-reduce rows the factors stay 1.
CollectiveFit fit_collective_profile(const std::vector<MeasuredCollective>& rows, const CollectiveProfile& base,
                                     const core::HardwareSpec& hw);

// What the collective model says for a measured row (send/recv: p2p_time_s).
double modeled_time_s(const MeasuredCollective& row, const CollectiveModel& model);

}  // namespace lcperf::cost
