#pragma once
// SwiGLU activation of the fused gate/up projection: for each row,
// out[c] = silu(gate[c]) * up[c] with silu(g) = g / (1 + exp(-g)).
// gate_up: [rows, 2 * cols] (gate in the first half, up in the second), out: [rows, cols].
#include <cstdint>

namespace lcperf::kernels {

void swiglu_cpu(std::int64_t rows, int cols, const float* gate_up, float* out);

}  // namespace lcperf::kernels
