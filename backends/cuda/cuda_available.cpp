// Whether the CUDA backend can run here. Compiled in every build (the CMake block in
// backends/CMakeLists.txt adds it unconditionally), so `lcperf validate --backend cuda`
// links and can say why it cannot run; in a build without nvcc the entry points of
// cuda_runtime.hpp throw that same reason.
#include <stdexcept>

#include "backends/cuda/cuda_runtime.hpp"
#include "kernels/device_info.hpp"

namespace lcperf::backends::cuda {

bool cuda_backend_available(std::string* why) {
#ifndef LCPERF_HAVE_CUDA
  if (why != nullptr) *why = "the CUDA backend is not in this build (lcperf was configured without nvcc)";
  return false;
#else
  const kernels::CudaEnvironment env = kernels::query_cuda_environment();
  if (env.gpus.empty()) {
    if (why != nullptr) {
      *why = "no GPU visible to the CUDA backend (" + (env.error.empty() ? std::string("no CUDA device") : env.error) +
             "; cudaGetDeviceCount found none)";
    }
    return false;
  }
  if (why != nullptr) why->clear();
  return true;
#endif
}

bool built_with_nccl() {
#ifdef LCPERF_HAVE_NCCL
  return true;
#else
  return false;
#endif
}

#ifndef LCPERF_HAVE_CUDA
namespace {
[[noreturn]] void not_built() {
  std::string why;
  cuda_backend_available(&why);
  throw std::runtime_error(why);
}
}  // namespace

LiveResult run_live_cuda(const LiveInput&, const CudaOptions&) { not_built(); }
std::vector<std::byte> read_tensor(core::Runtime&, const core::Tensor&) { not_built(); }
void write_tensor(core::Runtime&, const core::Tensor&, const std::vector<std::byte>&) { not_built(); }
int device_of(core::Runtime&) { not_built(); }
#endif

}  // namespace lcperf::backends::cuda
