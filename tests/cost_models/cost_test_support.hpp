#pragma once
// Shared fixtures for the cost-model tests: an H200-like hardware spec and a profile
// with flat efficiencies, so expected times can be computed by hand.
#include "core/hardware_spec.hpp"
#include "cost_models/device_profile.hpp"

namespace lcperf::cost::testing {

inline core::HardwareSpec h200_hardware() {
  core::HardwareSpec hw;
  hw.id = "h200";
  hw.name = "NVIDIA H200 SXM";
  hw.peak_bf16_flops = 989.4e12;
  hw.peak_fp16_flops = 989.4e12;
  hw.peak_fp8_flops = 1978.9e12;
  hw.peak_fp32_flops = 66.9e12;
  hw.hbm_bytes = 141e9;
  hw.hbm_bandwidth_bytes_per_s = 4.8e12;
  hw.nvlink_bandwidth_bytes_per_s = 450e9;
  hw.nvlink_latency_s = 1e-6;
  hw.pcie_bandwidth_bytes_per_s = 64e9;
  hw.nic_bandwidth_bytes_per_s = 50e9;
  hw.nic_latency_s = 2e-6;
  hw.kernel_launch_latency_s = 4e-6;
  return hw;
}

inline constexpr double kFlatCompute = 0.8;
inline constexpr double kFlatMemory = 0.9;
inline constexpr double kFlatMinLatency = 5e-6;

inline ProtocolConstants protocol(double base, double intra, double inter, double efficiency, double cap = 0) {
  return ProtocolConstants{base, intra, inter, efficiency, cap};
}

// Every class: compute efficiency 0.8, memory efficiency 0.9, floor 5 us. Collective
// constants are NCCL's Hopper values with round efficiencies.
inline DeviceProfile flat_profile() {
  DeviceProfile p;
  p.device = "flat test device";
  p.hardware = "h200";
  p.provenance.source = "datasheet+published anchors";
  p.provenance.date = "2026-01-01";
  for (OpClass c : kAllOpClasses) {
    OpClassProfile& cls = p.of(c);
    const bool attention =
        c == OpClass::attention_fwd || c == OpClass::attention_bwd || c == OpClass::attention_decode;
    cls.compute_efficiency = EfficiencyCurve::constant(attention ? SizeVariable::kv_len : SizeVariable::flops,
                                                       kFlatCompute);
    cls.memory_efficiency = EfficiencyCurve::constant(SizeVariable::bytes, kFlatMemory);
    cls.min_latency_s = kFlatMinLatency;
  }
  p.collective.nvlink_efficiency = 0.8;
  p.collective.net_efficiency = 0.92;
  const auto ll = static_cast<std::size_t>(CollectiveProtocol::ll);
  const auto ll128 = static_cast<std::size_t>(CollectiveProtocol::ll128);
  const auto simple = static_cast<std::size_t>(CollectiveProtocol::simple);
  p.collective.ring[ll] = protocol(6.6e-6, 0.6e-6, 2.7e-6, 0.5, 141e9);
  p.collective.ring[ll128] = protocol(14.0e-6, 1.9e-6, 4.0e-6, 0.92);
  p.collective.ring[simple] = protocol(8.4e-6, 3.4e-6, 14.0e-6, 1.0);
  p.collective.tree[ll] = protocol(6.8e-6, 0.6e-6, 5.0e-6, 0.5, 141e9);
  p.collective.tree[ll128] = protocol(14.0e-6, 1.25e-6, 8.5e-6, 0.85);
  p.collective.tree[simple] = protocol(8.4e-6, 4.0e-6, 14.0e-6, 0.92);
  p.collective.p2p_intra_latency_s = 7e-6;
  p.collective.p2p_inter_latency_s = 14e-6;
  return p;
}

}  // namespace lcperf::cost::testing
