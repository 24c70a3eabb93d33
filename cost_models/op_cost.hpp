#pragma once
// The time of one op on one device. Compute parts are priced from a measured table when
// the device profile has one covering the shape, otherwise by a roofline scaled by the
// profile's efficiency curves:
//
//   t = max(min_latency, FLOPs / (peak(dtype) * e_c(size)), bytes / (HBM BW * e_m(bytes)))
//
// with exact FLOPs and bytes from core::flops_of / core::bytes_of. Collective parts go
// to the collective model. README.md describes every term.
#include <optional>
#include <string>

#include "core/hardware_spec.hpp"
#include "core/ops.hpp"
#include "cost_models/collective_model.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/measured_table.hpp"
#include "cost_models/spmm_pipeline.hpp"

namespace lcperf::cost {

struct OpCost {
  double time_s = 0;
  double flops = 0;
  double bytes = 0;
  // How the time was obtained: "roofline:<class>:compute|memory|latency",
  // "table:<class>:exact|interpolated" or "collective:<algorithm>/<protocol>".
  std::string model;
};

class CostModel {
 public:
  // `inter_node_bytes_per_s_per_gpu`: see CollectiveModel (0 = one NIC per GPU).
  CostModel(core::HardwareSpec hw, DeviceProfile profile, double inter_node_bytes_per_s_per_gpu = 0);

  OpCost cost(const core::OpPart& part) const { return cost(part, true); }
  // The same time, without naming how it was obtained (serving prices a step's
  // attention every step, and the name cost more than the arithmetic).
  double time_s(const core::OpPart& part) const { return cost(part, false).time_s; }
  // A kernel op's parts run back to back, each a kernel of its own.
  double time_s(const core::KernelOp& op) const;

  // The SpMM's pipeline breakdown (spmm_pipeline.hpp); nullopt when the profile's spmm
  // extraction has no sm_count (ideal overlap).
  std::optional<SpmmPipelineCost> spmm_pipeline(const core::SpmmShape& shape) const;

  CollectiveCost collective(core::CollectiveKind kind, double bytes, int ranks, int nodes) const;
  double p2p_time_s(double bytes, bool intra_node) const;
  // Device-to-device copy of `bytes` (each byte read once and written once).
  double memcpy_time_s(double bytes) const;

  const core::HardwareSpec& hardware() const { return hw_; }
  const DeviceProfile& profile() const { return profile_; }
  const CollectiveModel& collectives() const { return collectives_; }

 private:
  OpCost cost(const core::OpPart& part, bool named) const;  // `named`: fill OpCost::model
  OpCost roofline(OpClass op_class, const core::OpPart& part, bool named) const;
  OpCost tiled_gemm(const core::GemmShape& g, const OpClassProfile& profile, OpCost cost, double curve_s,
                    bool named) const;
  double compute_time_s(const OpClassProfile& profile, const core::OpPart& part, double flops) const;
  double index_build_walk(const core::ElementwiseShape& e) const;

  core::HardwareSpec hw_;
  DeviceProfile profile_;
  CollectiveModel collectives_;
  std::array<MeasuredTable, kAllOpClasses.size()> tables_;
};

}  // namespace lcperf::cost
