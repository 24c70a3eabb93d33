// The multi-node bootstrap: MPI broadcasts rank 0's ncclUniqueId and every process
// joins one NCCL communicator. Runs as a singleton here (world of one process); launch
// `mpirun -np 2 test_backends --gtest_filter='CudaMpiBootstrap*'` on a two-GPU machine
// to check the broadcast for real. Built only with MPI and NCCL; skips without a GPU.
#ifdef LCPERF_HAVE_MPI_NCCL
#include <gtest/gtest.h>

#include "backends/cuda/mpi_nccl_bootstrap.hpp"
#include "cuda_test_support.hpp"
#include "kernels/cuda/device_memory.hpp"

namespace lcperf::backends::cuda {
namespace {

TEST(CudaMpiBootstrap, WorldCommunicatorSumsOverEveryProcess) {
  LCPERF_REQUIRE_CUDA_BACKEND();
  MpiNcclBootstrap world;
  ASSERT_GE(world.world_size(), 1);
  ASSERT_GE(world.rank(), 0);
  ASSERT_LT(world.rank(), world.world_size());
  std::vector<float> values(1000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  kernels::cuda::DeviceBuffer data(values);
  world.all_reduce_sum(data.as<float>(), static_cast<std::int64_t>(values.size()));
  const std::vector<float> summed = data.download<float>();
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(summed[i], values[i] * static_cast<float>(world.world_size())) << i;
}

}  // namespace
}  // namespace lcperf::backends::cuda
#endif
