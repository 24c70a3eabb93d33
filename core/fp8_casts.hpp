#pragma once
// The scaling and cast work TransformerEngine-style FP8 training adds in front of every
// FP8 GEMM input that is produced in higher precision (the activation X of a forward,
// the output gradient dY of a backward), as element-wise op parts priced by their bytes:
// - fp8_cast_transpose: read the BF16 tensor, write it in FP8 twice, as is and
//   transposed (the wgrad GEMM needs X^T and dY^T in FP8, and TE writes both in one
//   pass); the amax of delayed scaling is taken in the same pass.
// - fp8_amax (current scaling only): an extra read of the tensor to find its amax before
//   the cast can scale it.
// Weights are cast once per optimizer step (TE keeps the FP8 weights across the
// micro-batches of a step), which is not a per-micro-batch part; the per-step amax
// history update and its reduction are a few kilobytes, left out.
#include <cstdint>
#include <vector>

#include "core/ops.hpp"
#include "core/scenario_options.hpp"

namespace lcperf::core {

// Bytes per element of the cast (BF16 source): read 2, write 1 + 1.
inline constexpr double kFp8CastBytesPerElement = 4;
inline constexpr double kFp8AmaxBytesPerElement = 2;

void append_fp8_cast(std::vector<OpPart>& parts, std::int64_t elements, Fp8Recipe recipe);

}  // namespace lcperf::core
