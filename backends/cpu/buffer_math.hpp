#pragma once
// Element-wise arithmetic on raw tensor buffers for the live collectives: sums in the
// tensor's own element type. fp32/bf16/fp16 add as floats (bf16/fp16 converted and
// rounded back), int32/int64 as integers; fp8 is what schedulers use for byte-count
// tensors (core::bytes_tensor), so its bytes add as wrapping 8-bit integers: the
// traffic and the arithmetic per byte are real even though the values mean nothing.
#include <cstddef>
#include <cstdint>

#include "core/dtype.hpp"

namespace lcperf::backends::cpu {

// out[i] = sum over s < sources of in[s][i], for elements [begin, end). `out` may be
// one of the inputs.
void sum_elements(core::DType dtype, const std::byte* const* in, int sources, std::byte* out, std::int64_t begin,
                  std::int64_t end);

}  // namespace lcperf::backends::cpu
