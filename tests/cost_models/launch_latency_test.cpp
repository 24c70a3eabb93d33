// kernel_launch_latency_s: each kernel of an op costs at least the host's launch latency
// (small kernels launched one by one are host-bound); a long kernel hides it.
#include <gtest/gtest.h>

#include "cost_models/op_cost.hpp"
#include "cost_test_support.hpp"

namespace lcperf::cost {
namespace {

using testing::flat_profile;
using testing::h200_hardware;
using testing::kFlatMinLatency;

core::KernelOp three_tiny_kernels() {
  core::KernelOp op;
  for (int i = 0; i < 3; ++i) op.parts.push_back(core::ElementwiseShape{"add", 16, 1.0, 6.0});
  return op;
}

TEST(KernelLaunchLatency, EveryTinyKernelCostsTheLaunchLatency) {
  core::HardwareSpec hw = h200_hardware();
  hw.kernel_launch_latency_s = 1e-3;  // far above the profile's 5 us floor
  const CostModel model(hw, flat_profile());
  EXPECT_DOUBLE_EQ(model.time_s(three_tiny_kernels()), 3 * 1e-3);
}

TEST(KernelLaunchLatency, BelowTheDeviceFloorItChangesNothing) {
  core::HardwareSpec hw = h200_hardware();
  hw.kernel_launch_latency_s = 1e-6;
  const CostModel model(hw, flat_profile());
  EXPECT_DOUBLE_EQ(model.time_s(three_tiny_kernels()), 3 * kFlatMinLatency);
}

TEST(KernelLaunchLatency, ALongKernelHidesTheNextLaunch) {
  core::HardwareSpec hw = h200_hardware();
  hw.kernel_launch_latency_s = 1e-3;
  const CostModel model(hw, flat_profile());
  // 2 x 8192^3 x 2 FLOP at 0.8 x 989.4 TFLOP/s: ~2.8 ms, above the 1 ms launch.
  core::KernelOp op;
  const core::GemmShape gemm{8192, 8192, 8192, 1, core::DType::bf16};
  op.parts = {gemm, gemm};
  EXPECT_DOUBLE_EQ(model.time_s(op), 2 * model.time_s(core::OpPart{gemm}));
  EXPECT_GT(model.time_s(core::OpPart{gemm}), 1e-3);
}

}  // namespace
}  // namespace lcperf::cost
