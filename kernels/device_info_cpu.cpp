// The CPU-only build: no CUDA runtime to ask.
#include "kernels/device_info.hpp"

#ifndef LCPERF_HAVE_CUDA
namespace lcperf::kernels {

CudaEnvironment query_cuda_environment() {
  CudaEnvironment env;
  env.error = "lcperf was built without CUDA (no nvcc found at configure time)";
  return env;
}

}  // namespace lcperf::kernels
#endif
