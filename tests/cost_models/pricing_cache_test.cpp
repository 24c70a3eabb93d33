#include <gtest/gtest.h>

#include "cost_models/pricing_cache.hpp"

namespace lcperf::cost {
namespace {

core::KernelOp gemm(std::int64_t m) {
  core::KernelOp op;
  op.parts.push_back(core::GemmShape{m, 128, 256, 1, core::DType::bf16});
  op.parts.push_back(core::ElementwiseShape{"add", m * 128, 1.0, 6.0});
  return op;
}

TEST(PricingCache, PricesEachShapeOnceAndReturnsTheSameTime) {
  int calls = 0;
  PricingCache cache([&calls](const core::KernelOp& op) {
    ++calls;
    return core::flops_of(op) * 1e-12;
  });
  const double a = cache.time_s(gemm(64));
  const double b = cache.time_s(gemm(128));
  EXPECT_EQ(cache.time_s(gemm(64)), a);
  EXPECT_EQ(cache.time_s(gemm(128)), b);
  EXPECT_NE(a, b);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(PricingCache, DifferentKindsOfElementwiseWorkAreDifferentKeys) {
  int calls = 0;
  PricingCache cache([&calls](const core::KernelOp&) { return static_cast<double>(++calls); });
  core::KernelOp x = gemm(64);
  core::KernelOp y = gemm(64);
  std::get<core::ElementwiseShape>(y.parts[1]).kind = "mul";
  EXPECT_NE(cache.time_s(x), cache.time_s(y));
  EXPECT_NE(core::hash_parts(x.parts), core::hash_parts(y.parts));
}

}  // namespace
}  // namespace lcperf::cost
