#pragma once
// Internal to the .cu files: turn CUDA / cuBLAS status codes into exceptions that
// name the call, and the storage-type plumbing shared by the kernels.
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "kernels/storage_type.hpp"

namespace lcperf::kernels::cuda::detail {

inline void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

inline void check(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(std::string(what) + ": cuBLAS status " + std::to_string(static_cast<int>(status)));
  }
}

// A launch reports configuration errors only through cudaGetLastError.
inline void check_launch(const char* what) { check(cudaGetLastError(), what); }

inline cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

__device__ __forceinline__ float load_f(const float* p) { return *p; }
__device__ __forceinline__ float load_f(const __nv_bfloat16* p) { return __bfloat162float(*p); }
__device__ __forceinline__ float load_f(const __half* p) { return __half2float(*p); }
__device__ __forceinline__ void store_f(float* p, float x) { *p = x; }
__device__ __forceinline__ void store_f(__nv_bfloat16* p, float x) { *p = __float2bfloat16_rn(x); }
__device__ __forceinline__ void store_f(__half* p, float x) { *p = __float2half_rn(x); }

// Calls f(T{}) with T the C++ type of `storage`.
template <typename F>
void dispatch_storage(Storage storage, F&& f) {
  switch (storage) {
    case Storage::fp32: f(float{}); break;
    case Storage::bf16: f(__nv_bfloat16{}); break;
    case Storage::fp16: f(__half{}); break;
  }
}

}  // namespace lcperf::kernels::cuda::detail
