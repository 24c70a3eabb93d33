#pragma once
// What the CUDA runtime reports about visible GPUs, for profile provenance and for
// tests that skip when no GPU is present. Works without CUDA: the CPU-only build
// reports no devices.
#include <string>
#include <vector>

namespace lcperf::kernels {

struct GpuInfo {
  int index = 0;
  std::string name;
  int sm_major = 0;
  int sm_minor = 0;
  int multiprocessors = 0;
  double memory_bytes = 0;
};

struct CudaEnvironment {
  bool compiled_with_cuda = false;
  int runtime_version = 0;  // e.g. 13000
  int driver_version = 0;
  std::string error;        // why no device is usable, if none is
  std::vector<GpuInfo> gpus;
};

CudaEnvironment query_cuda_environment();

}  // namespace lcperf::kernels
