#pragma once
// Helpers of the CUDA-vs-CPU tests: skip without a device, move fp32 host data to a
// device buffer in a storage type (rounding on the host, so the CPU reference sees
// exactly the stored values) and back.
#ifdef LCPERF_HAVE_CUDA
#include <gtest/gtest.h>

#include "kernels/cuda/device_memory.hpp"
#include "kernels/device_info.hpp"
#include "kernels/storage_convert.hpp"

namespace lcperf::kernels::test {

inline bool gpu_visible() { return !query_cuda_environment().gpus.empty(); }

#define LCPERF_REQUIRE_GPU()                                                          \
  do {                                                                                \
    if (!::lcperf::kernels::test::gpu_visible()) GTEST_SKIP() << "no CUDA device visible"; \
  } while (0)

inline cuda::DeviceBuffer upload(const std::vector<float>& values, Storage s) {
  return cuda::DeviceBuffer(pack_storage(values, s));
}

// An output buffer filled with NaN, so anything the kernel does not write fails.
inline cuda::DeviceBuffer poisoned(std::size_t elements, std::size_t element_bytes) {
  cuda::DeviceBuffer b(elements * element_bytes);
  b.poison();
  return b;
}

inline std::vector<float> download(const cuda::DeviceBuffer& b, Storage s) {
  return unpack_storage(b.download<std::uint8_t>(), s);
}

inline double tolerance(Storage s) { return s == Storage::fp32 ? 1e-4 : 1e-2; }

inline const Storage kAllStorages[] = {Storage::fp32, Storage::bf16, Storage::fp16};

}  // namespace lcperf::kernels::test
#endif
