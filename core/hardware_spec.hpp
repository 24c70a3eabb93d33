#pragma once
// One accelerator model and the links attached to it. Bandwidths are per direction.
#include <string>

#include "core/dtype.hpp"

namespace lcperf::core {

struct HardwareSpec {
  std::string id;
  std::string name;
  double peak_bf16_flops = 0;  // dense tensor-core FLOP/s
  double peak_fp16_flops = 0;
  double peak_fp8_flops = 0;   // 0 when the GPU has no fp8 tensor cores
  double peak_fp32_flops = 0;  // vector (non tensor-core) FP32
  double hbm_bytes = 0;
  double hbm_bandwidth_bytes_per_s = 0;
  double nvlink_bandwidth_bytes_per_s = 0;  // per GPU, per direction, all links together
  double nvlink_latency_s = 0;
  double pcie_bandwidth_bytes_per_s = 0;    // host link, per direction
  double pcie_latency_s = 0;
  double nic_bandwidth_bytes_per_s = 0;     // one NIC, per direction
  double nic_latency_s = 0;
  double host_memory_bytes = 0;             // per node
  double host_memory_bandwidth_bytes_per_s = 0;
  double kernel_launch_latency_s = 0;       // floor of any kernel

  double peak_flops(DType dtype) const;
};

}  // namespace lcperf::core
