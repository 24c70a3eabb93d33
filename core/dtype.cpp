#include "core/dtype.hpp"

namespace lcperf::core {

std::int64_t dtype_bytes(DType dtype) {
  switch (dtype) {
    case DType::fp32: return 4;
    case DType::bf16: return 2;
    case DType::fp16: return 2;
    case DType::fp8: return 1;
    case DType::int32: return 4;
    case DType::int64: return 8;
  }
  return 0;
}

std::string_view to_string(DType dtype) {
  switch (dtype) {
    case DType::fp32: return "fp32";
    case DType::bf16: return "bf16";
    case DType::fp16: return "fp16";
    case DType::fp8: return "fp8";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
  }
  return "?";
}

std::optional<DType> parse_dtype(std::string_view text) {
  for (DType d : {DType::fp32, DType::bf16, DType::fp16, DType::fp8, DType::int32, DType::int64}) {
    if (to_string(d) == text) return d;
  }
  return std::nullopt;
}

}  // namespace lcperf::core
