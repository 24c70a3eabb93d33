// Measured-table lookup: exact hits, interpolation of the slowdown against the ideal
// roofline, and fallback to the efficiency curves outside the measured range.
#include <gtest/gtest.h>

#include <cmath>

#include "cost_models/op_cost.hpp"
#include "cost_models/roofline.hpp"
#include "cost_test_support.hpp"

namespace lcperf::cost {
namespace {

using testing::flat_profile;
using testing::h200_hardware;

core::GemmShape cube(std::int64_t n, std::int64_t batch = 1, core::DType dtype = core::DType::bf16) {
  return core::GemmShape{n, n, n, batch, dtype};
}

DeviceProfile profile_with_gemm_table(double t4096, double t8192) {
  DeviceProfile p = flat_profile();
  p.of(OpClass::gemm).table = {{cube(4096), t4096}, {cube(8192), t8192}};
  return p;
}

TEST(CostTable, ExactShapeReturnsMeasuredTime) {
  const CostModel model(h200_hardware(), profile_with_gemm_table(2.0e-4, 1.4e-3));
  const OpCost c = model.cost(cube(4096));
  EXPECT_DOUBLE_EQ(c.time_s, 2.0e-4);
  EXPECT_EQ(c.model, "table:gemm:exact");
  EXPECT_DOUBLE_EQ(model.time_s(core::OpPart{cube(8192)}), 1.4e-3);
}

TEST(CostTable, InterpolatesSlowdownInLogKey) {
  const core::HardwareSpec hw = h200_hardware();
  const double t4096 = 2.0e-4;
  const double t8192 = 1.4e-3;
  const CostModel model(hw, profile_with_gemm_table(t4096, t8192));
  // Four 4096^3 products: 2 octaves above the 4096^3 point, 1 below the 8192^3 one.
  const core::GemmShape query = cube(4096, 4);
  const double s_lo = std::log(t4096 / ideal_time_s(cube(4096), hw));
  const double s_hi = std::log(t8192 / ideal_time_s(cube(8192), hw));
  const double expected = ideal_time_s(query, hw) * std::exp(s_lo + (2.0 / 3.0) * (s_hi - s_lo));
  const OpCost c = model.cost(query);
  EXPECT_EQ(c.model, "table:gemm:interpolated");
  EXPECT_NEAR(c.time_s, expected, expected * 1e-12);
}

TEST(CostTable, OutsideRangeOrOtherFamilyFallsBackToRoofline) {
  const CostModel model(h200_hardware(), profile_with_gemm_table(2.0e-4, 1.4e-3));
  EXPECT_EQ(model.cost(cube(2048)).model, "roofline:gemm:compute");
  EXPECT_EQ(model.cost(cube(16384)).model, "roofline:gemm:compute");
  EXPECT_EQ(model.cost(cube(4096, 1, core::DType::fp8)).model, "roofline:gemm:compute");
}

core::ElementwiseShape streaming(const std::string& kind, std::int64_t elements, double bytes_per_element) {
  core::ElementwiseShape e;
  e.kind = kind;
  e.elements = elements;
  e.flops_per_element = 1;
  e.bytes_per_element = bytes_per_element;
  return e;
}

TEST(CostTable, BackwardKindWithoutPointsTakesItsForwardKindsRatePerByte) {
  const core::HardwareSpec hw = h200_hardware();
  DeviceProfile p = flat_profile();
  // A forward norm measured at 3x its roofline at 64 and 256 MiB of traffic.
  const auto small = streaming("rmsnorm", std::int64_t{16} << 20, 4);
  const auto large = streaming("rmsnorm", std::int64_t{64} << 20, 4);
  p.of(OpClass::elementwise).table = {{small, 3 * ideal_time_s(small, hw)}, {large, 3 * ideal_time_s(large, hw)}};
  const CostModel model(hw, p);
  // Its backward moves 1.5x the bytes per element (96 MiB here): the same 3x slowdown on
  // its own bytes, interpolated on the forward kind's points.
  const auto backward = streaming("rmsnorm_bwd", std::int64_t{16} << 20, 6);
  const OpCost c = model.cost(backward);
  EXPECT_EQ(c.model, "table:elementwise:interpolated");
  EXPECT_NEAR(c.time_s, 3 * ideal_time_s(backward, hw), 1e-12 * c.time_s);
  // A kind with neither its own points nor a forward kind's keeps the curves.
  EXPECT_EQ(model.cost(streaming("swiglu_bwd", std::int64_t{16} << 20, 10)).model.rfind("roofline:", 0), 0u);
  EXPECT_EQ(forward_family("rmsnorm_bwd"), "rmsnorm");
  EXPECT_EQ(forward_family("rmsnorm"), "");
  EXPECT_EQ(forward_family("_bwd"), "");
  EXPECT_EQ(forward_family("layernorm"), "rmsnorm");
  EXPECT_EQ(forward_family("layernorm_bwd"), "rmsnorm");
}

TEST(CostTable, FamilyAndKey) {
  core::AttentionShape a;
  a.seqs = {{1, 4096}};
  a.heads_q = 8;
  a.heads_kv = 8;
  a.head_dim = 128;
  a.paged_decode = true;
  EXPECT_EQ(table_family(a), "bf16/causal/d128");
  EXPECT_EQ(table_key(OpClass::attention_decode, a), core::bytes_of(a));
  EXPECT_EQ(table_key(OpClass::gemm, cube(64)), core::flops_of(cube(64)));
}

}  // namespace
}  // namespace lcperf::cost
