#pragma once
// Collective and point-to-point communication times, after NCCL's own tuner: for each
// (algorithm, protocol) time = latency + bytes / algorithm bandwidth, and the fastest
// wins. Latency is a base cost plus a per-hop cost that depends on whether the hop
// crosses NVLink or the network; bandwidth is a bus bandwidth (link bandwidth times
// efficiency) turned into algorithm bandwidth with the nccl-tests factors. Details and
// simplifications are in README.md ("Collective model").
#include <optional>

#include "core/hardware_spec.hpp"
#include "core/ops.hpp"
#include "cost_models/collective_profile.hpp"

namespace lcperf::cost {

struct CollectiveCost {
  double time_s = 0;
  double latency_s = 0;
  CollectiveAlgorithm algorithm = CollectiveAlgorithm::none;
  CollectiveProtocol protocol = CollectiveProtocol::simple;
  double bus_bw_bytes_per_s = 0;  // nccl-tests busbw of this (algorithm, protocol)
  double alg_bw_bytes_per_s = 0;  // bytes / (time - latency)
};

// nccl-tests bus-bandwidth factor: busbw = algbw * factor.
double bus_factor(core::CollectiveKind kind, int ranks);

class CollectiveModel {
 public:
  // `inter_node_bytes_per_s_per_gpu`: scale-out bandwidth one GPU can use, per direction
  // (NICs per node x NIC bandwidth / GPUs per node); 0 means one NIC per GPU.
  CollectiveModel(const core::HardwareSpec& hw, CollectiveProfile profile, double inter_node_bytes_per_s_per_gpu = 0);

  // The fastest algorithm and protocol for a collective over `ranks` GPUs spread evenly
  // over `nodes` nodes; `bytes` is the full buffer as nccl-tests counts it. One rank
  // costs nothing (algorithm none). InputError on bad counts.
  CollectiveCost collective(core::CollectiveKind kind, double bytes, int ranks, int nodes) const;

  // One specific choice; nullopt when NCCL has no such algorithm for `kind` (tree is
  // all-reduce only; all-to-all is always p2p).
  std::optional<CollectiveCost> evaluate(core::CollectiveKind kind, double bytes, int ranks, int nodes,
                                         CollectiveAlgorithm algorithm, CollectiveProtocol protocol) const;

  // A send/recv of `bytes` between two GPUs of one node or of two nodes.
  double p2p_time_s(double bytes, bool intra_node) const;

  double intra_node_bw() const { return intra_bw_; }  // per GPU, per direction
  double inter_node_bw_per_gpu() const { return inter_bw_per_gpu_; }
  const CollectiveProfile& profile() const { return profile_; }

 private:
  CollectiveCost all_to_all(double bytes, int ranks, int nodes) const;
  double bus_bw(CollectiveAlgorithm algorithm, CollectiveProtocol protocol, int ranks, int nodes) const;

  CollectiveProfile profile_;
  double intra_bw_ = 0;
  double inter_bw_per_gpu_ = 0;
};

}  // namespace lcperf::cost
