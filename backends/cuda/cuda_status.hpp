#pragma once
// CUDA runtime status codes as exceptions naming the call, for the host-side .cpp files
// of backends/cuda (kernels/cuda/cuda_check.cuh serves the .cu files and drags in
// cuBLAS and device code, which a host compiler should not see). Internal.
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace lcperf::backends::cuda {

inline void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

}  // namespace lcperf::backends::cuda
