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

#include "cost_models/part_pricing_cache.hpp"

namespace lcperf::cost {
namespace {

TEST(PartPricingCache, RepeatedPartsArePricedOnceAndSummed) {
  int calls = 0;
  PartPricingCache cache([&calls](const core::OpPart& part) {
    ++calls;
    return core::flops_of(part) * 1e-12;
  });
  core::KernelOp op;
  for (int layer = 0; layer < 10; ++layer) {
    op.parts.push_back(core::GemmShape{64, 128, 256, 1, core::DType::bf16});
    op.parts.push_back(core::ElementwiseShape{"add", 64 * 128, 1.0, 6.0});
  }
  const double expected = 10 * (2.0 * 64 * 128 * 256 + 64 * 128) * 1e-12;
  EXPECT_NEAR(cache.time_s(op), expected, expected * 1e-12);
  EXPECT_EQ(calls, 2);
}

TEST(PartPricingCache, StartsOverWhenFullAndStaysCorrect) {
  PartPricingCache cache([](const core::OpPart& part) { return core::flops_of(part); }, 4);
  for (std::int64_t m = 1; m <= 20; ++m) {
    const core::OpPart part = core::GemmShape{m, 2, 3, 1, core::DType::bf16};
    EXPECT_EQ(cache.time_s(part), 2.0 * m * 2 * 3);
  }
}

}  // namespace
}  // namespace lcperf::cost
