#include "core/hardware_spec.hpp"

namespace lcperf::core {

double HardwareSpec::peak_flops(DType dtype) const {
  switch (dtype) {
    case DType::bf16: return peak_bf16_flops;
    case DType::fp16: return peak_fp16_flops;
    // Without fp8 tensor cores (A100) fp8 runs at the 16-bit rate.
    case DType::fp8: return peak_fp8_flops > 0 ? peak_fp8_flops : peak_bf16_flops;
    case DType::fp32: return peak_fp32_flops;
    case DType::int32:
    case DType::int64: return peak_fp32_flops;
  }
  return peak_bf16_flops;
}

}  // namespace lcperf::core
