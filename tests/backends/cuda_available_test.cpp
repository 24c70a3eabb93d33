// Whether the CUDA backend can run, and the reason when it cannot. Runs in every build
// and on machines without a GPU (where it checks the refusal).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "backends/cuda/cuda_runtime.hpp"
#include "kernels/device_info.hpp"

namespace lcperf::backends::cuda {
namespace {

TEST(CudaBackendAvailability, NamesWhatIsMissing) {
  const kernels::CudaEnvironment env = kernels::query_cuda_environment();
  std::string why = "unchanged";
  const bool available = cuda_backend_available(&why);
  if (!env.compiled_with_cuda) {
    EXPECT_FALSE(available);
    EXPECT_NE(why.find("without nvcc"), std::string::npos) << why;
  } else if (env.gpus.empty()) {
    EXPECT_FALSE(available);
    EXPECT_NE(why.find("no GPU"), std::string::npos) << why;
  } else {
    EXPECT_TRUE(available);
    EXPECT_TRUE(why.empty()) << why;
  }
  EXPECT_EQ(cuda_backend_available(nullptr), available);
}

TEST(CudaBackendAvailability, RunLiveRefusesWithTheSameReason) {
  std::string why;
  if (cuda_backend_available(&why)) GTEST_SKIP() << "a GPU is visible: the backend runs (other tests cover it)";
  backends::LiveInput in;
  in.ranks = 1;
  in.memory_capacity_bytes = 1 << 20;
  in.program_for = [](int) { return core::RankProgram([](core::Runtime&) {}); };
  try {
    run_live_cuda(in);
    FAIL() << "run_live_cuda ran without a usable GPU";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lcperf::backends::cuda
