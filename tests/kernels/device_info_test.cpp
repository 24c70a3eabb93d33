#include <gtest/gtest.h>

#include "kernels/device_info.hpp"

namespace lcperf::kernels {
namespace {

TEST(CudaEnvironment, ReportsDevicesOrWhyThereAreNone) {
  const CudaEnvironment env = query_cuda_environment();
#ifdef LCPERF_HAVE_CUDA
  EXPECT_TRUE(env.compiled_with_cuda);
  EXPECT_GT(env.runtime_version, 0);
#else
  EXPECT_FALSE(env.compiled_with_cuda);
#endif
  if (env.gpus.empty()) {
    EXPECT_FALSE(env.error.empty());
    GTEST_SKIP() << "no GPU: " << env.error;
  }
  for (const GpuInfo& gpu : env.gpus) {
    EXPECT_FALSE(gpu.name.empty());
    EXPECT_GE(gpu.sm_major, 5);
    EXPECT_GT(gpu.multiprocessors, 0);
    EXPECT_GT(gpu.memory_bytes, 1e9);
  }
}

}  // namespace
}  // namespace lcperf::kernels
