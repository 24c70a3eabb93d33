#pragma once
// SwiGLU backward, fp32 CPU reference. For out = silu(gate) * up (swiglu.hpp) with
// silu(g) = g * sigmoid(g):
//   dgate = dout * up * sigmoid(g) * (1 + g * (1 - sigmoid(g)))
//   dup   = dout * silu(g)
// gate_up and dgate_up: [rows, 2 * cols] (gate half first); dout: [rows, cols].
// dgate_up is overwritten.
#include <cstdint>

namespace lcperf::kernels {

void swiglu_bwd_cpu(std::int64_t rows, int cols, const float* gate_up, const float* dout, float* dgate_up);

}  // namespace lcperf::kernels
