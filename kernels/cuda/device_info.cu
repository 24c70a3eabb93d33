// Asks the CUDA runtime for the visible GPUs. Built only when nvcc is present.
#include <cuda_runtime.h>

#include "kernels/device_info.hpp"

namespace lcperf::kernels {

CudaEnvironment query_cuda_environment() {
  CudaEnvironment env;
  env.compiled_with_cuda = true;
  cudaRuntimeGetVersion(&env.runtime_version);
  cudaDriverGetVersion(&env.driver_version);
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    env.error = cudaGetErrorString(status);
    return env;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    env.gpus.push_back({i, prop.name, prop.major, prop.minor, prop.multiProcessorCount,
                        static_cast<double>(prop.totalGlobalMem)});
  }
  if (env.gpus.empty()) env.error = "no CUDA device visible";
  return env;
}

}  // namespace lcperf::kernels
