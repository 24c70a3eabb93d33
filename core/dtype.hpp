#pragma once
// Element types of tensors and the precision a kernel runs in.
#include <cstdint>
#include <optional>
#include <string_view>

namespace lcperf::core {

enum class DType { fp32, bf16, fp16, fp8, int32, int64 };

std::int64_t dtype_bytes(DType dtype);
std::string_view to_string(DType dtype);
std::optional<DType> parse_dtype(std::string_view text);

}  // namespace lcperf::core
