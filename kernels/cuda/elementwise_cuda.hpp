#pragma once
// Norms, SwiGLU and rotary embedding on the GPU: storage bf16 / fp16 / fp32 for every
// tensor (weights included), fp32 math. Same contracts as norms.hpp, swiglu.hpp and
// rotary.hpp; positions is a device array. Defined only in the CUDA build.
#include <cstdint>

#include "kernels/storage_type.hpp"

namespace lcperf::kernels::cuda {

void rmsnorm_cuda(Storage storage, std::int64_t rows, int cols, const void* x, const void* weight, float eps, void* out,
                  void* stream);
void layernorm_cuda(Storage storage, std::int64_t rows, int cols, const void* x, const void* weight, const void* bias,
                    float eps, void* out, void* stream);
void swiglu_cuda(Storage storage, std::int64_t rows, int cols, const void* gate_up, void* out, void* stream);
void rotary_cuda(Storage storage, std::int64_t tokens, int heads, int head_dim, const std::int64_t* positions,
                 double theta, const void* x, void* out, void* stream);

}  // namespace lcperf::kernels::cuda
