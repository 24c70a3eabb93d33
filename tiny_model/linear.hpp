#pragma once
// A linear layer y = x W^T (W: [out, in], x: [rows, in], y: [rows, out]) and its
// backward on kernels/gemm.hpp. The weight gradient accumulates: a training step adds
// the contributions of every chunk into one gradient.
#include <cstdint>

namespace lcperf::tiny {

struct LinearShape {
  std::int64_t rows = 0;
  std::int64_t in = 0;
  std::int64_t out = 0;
};

void linear_fwd(const LinearShape& s, const float* x, const float* w, float* y);

// dx = dy W (overwritten), dw += dy^T x.
void linear_bwd(const LinearShape& s, const float* x, const float* w, const float* dy, float* dx, float* dw);

}  // namespace lcperf::tiny
