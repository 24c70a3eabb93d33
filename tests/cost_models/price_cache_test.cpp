#include <gtest/gtest.h>

#include "cost_models/price_cache.hpp"
#include "cost_models/detail/part_price_store.hpp"

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
  PriceCache cache([&calls](const core::KernelOp& op) {
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
  PriceCache cache([&calls](const core::KernelOp&) { return static_cast<double>(++calls); });
  core::KernelOp x = gemm(64);
  core::KernelOp y = gemm(64);
  std::get<core::ElementwiseShape>(y.parts[1]).kind = "mul";
  EXPECT_NE(cache.time_s(x), cache.time_s(y));
  EXPECT_NE(core::hash_parts(x.parts), core::hash_parts(y.parts));
}

TEST(PricingCache, AnOpWithAPartsIdIsPricedOnceAndLookedUpByItsId) {
  int calls = 0;
  PriceCache cache([&calls](const core::KernelOp& op) {
    ++calls;
    return core::flops_of(op) * 1e-12;
  });
  core::KernelOp region = gemm(64);
  region.parts_id = core::new_parts_id();
  const double first = cache.time_s(region);
  EXPECT_DOUBLE_EQ(first, core::flops_of(region) * 1e-12);
  // The id is the promise that the parts are equal: the second launch is not compared
  // part by part (a different list under the same id gets the first one's price).
  core::KernelOp same_id = gemm(4096);
  same_id.parts_id = region.parts_id;
  EXPECT_EQ(cache.time_s(same_id), first);
  EXPECT_EQ(calls, 1);
  // A fresh id, or none, with equal parts still finds the price by the parts.
  core::KernelOp other = gemm(64);
  other.parts_id = core::new_parts_id();
  EXPECT_NE(other.parts_id, region.parts_id);
  EXPECT_EQ(cache.time_s(other), first);
  EXPECT_EQ(cache.time_s(gemm(64)), first);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 3u);
}

TEST(PricingCache, AnExpandedOpHasNoPartsId) {
  core::KernelOp op = gemm(64);
  op.repeat_begin = 0;
  op.repeat_period = 2;
  op.repeat_count = 3;
  op.parts_id = core::new_parts_id();
  const core::KernelOp out = core::expanded(op);
  EXPECT_EQ(out.parts.size(), 6u);
  EXPECT_EQ(out.parts_id, 0u);
}

TEST(PartPricingCache, RepeatedPartsArePricedOnceAndSummed) {
  int calls = 0;
  PriceCache cache([&calls](const core::OpPart& part) {
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
  PriceCache cache([](const core::OpPart& part) { return core::flops_of(part); }, 4);
  for (std::int64_t m = 1; m <= 20; ++m) {
    const core::OpPart part = core::GemmShape{m, 2, 3, 1, core::DType::bf16};
    EXPECT_EQ(cache.time_s(part), 2.0 * m * 2 * 3);
  }
}

// A step's op as the serving engine builds it: prologue, one layer held once and repeated
// `layers` times, epilogue. Part times are whole numbers, so sums are exact.
core::KernelOp compact_step(std::int64_t tokens, std::size_t layers) {
  core::KernelOp op;
  op.parts.push_back(core::ElementwiseShape{"embed", tokens, 0.0, 2.0});
  op.parts.push_back(core::GemmShape{tokens, 16, 8, 1, core::DType::bf16});
  op.parts.push_back(core::ElementwiseShape{"add", tokens, 1.0, 6.0});
  op.parts.push_back(core::GemmShape{tokens, 4, 8, 1, core::DType::bf16});
  op.repeat_begin = 1;
  op.repeat_period = 2;
  op.repeat_count = layers;
  return op;
}

double flops_of_part(const core::OpPart& part) { return core::flops_of(part); }

// flops_of_part, counting its calls.
PriceCache::PartTime counting(int& calls) {
  return [&calls](const core::OpPart& part) {
    ++calls;
    return flops_of_part(part);
  };
}

TEST(PriceCache, CompactRepeatCostsWhatItsExpandedOpCosts) {
  int calls = 0;
  PriceCache cache(counting(calls));
  PriceCache uncompacted(flops_of_part);
  const core::KernelOp op = compact_step(32, 28);
  const Price compact = cache.price(op);
  const Price expanded = uncompacted.price(core::expanded(op));
  EXPECT_EQ(compact.time_s, expanded.time_s);
  EXPECT_EQ(compact.flops, core::flops_of(op));
  EXPECT_EQ(compact.bytes, core::bytes_of(op));
  EXPECT_EQ(calls, 4);  // the layer's two parts once, not once per layer
}

TEST(PriceCache, ConsecutiveOpsReusePartsThatDidNotChange) {
  int calls = 0;
  PriceCache cache(counting(calls));
  PriceCache fresh(flops_of_part);
  cache.price(compact_step(32, 28));
  const int first = calls;
  core::KernelOp next = compact_step(32, 28);
  next.parts[3] = core::GemmShape{32, 4, 16, 1, core::DType::bf16};  // the epilogue changed
  EXPECT_EQ(cache.price(next).time_s, fresh.price(next).time_s);
  EXPECT_EQ(calls, first + 1);
  EXPECT_EQ(cache.price(compact_step(64, 28)).time_s, fresh.price(compact_step(64, 28)).time_s);
}


TEST(PartPricingCache, ManyPartsArePricedOnceEachAndFoundAgain) {
  // More parts than the store's first table has slots: it grows and still finds each.
  int calls = 0;
  PriceCache cache(counting(calls));
  for (int round = 0; round < 2; ++round) {
    for (std::int64_t m = 1; m <= 3000; ++m) {
      const core::OpPart part = core::GemmShape{m, 7, 5, 1, core::DType::bf16};
      EXPECT_EQ(cache.time_s(part), 2.0 * m * 7 * 5);
    }
  }
  EXPECT_EQ(calls, 3000);
  EXPECT_EQ(cache.hits(), 3000u);
}

TEST(PartPriceStore, PartsWithTheSameKeyKeepTheirOwnPrices) {
  // A hash collision: equal keys, different parts; each finds its own price.
  detail::PartPriceStore store(100);
  const core::OpPart a = core::GemmShape{1, 2, 3, 1, core::DType::bf16};
  const core::OpPart b = core::ElementwiseShape{"add", 6, 1.0, 6.0};
  const core::OpPart c = core::ElementwiseShape{"mul", 6, 1.0, 6.0};
  store.store(42, a, Price{1, 0, 0});
  store.store(42, b, Price{2, 0, 0});
  ASSERT_NE(store.find(42, a), nullptr);
  ASSERT_NE(store.find(42, b), nullptr);
  EXPECT_EQ(store.find(42, a)->time_s, 1);
  EXPECT_EQ(store.find(42, b)->time_s, 2);
  EXPECT_EQ(store.find(42, c), nullptr);
  EXPECT_EQ(store.find(43, a), nullptr);
}

TEST(PartPriceStore, StartsOverWhenFull) {
  detail::PartPriceStore store(2);
  const core::OpPart a = core::GemmShape{1, 2, 3, 1, core::DType::bf16};
  const core::OpPart b = core::GemmShape{2, 2, 3, 1, core::DType::bf16};
  const core::OpPart c = core::GemmShape{3, 2, 3, 1, core::DType::bf16};
  store.store(core::hash_part(a), a, Price{1, 0, 0});
  store.store(core::hash_part(b), b, Price{2, 0, 0});
  store.store(core::hash_part(c), c, Price{3, 0, 0});  // full: a and b are forgotten
  EXPECT_EQ(store.find(core::hash_part(a), a), nullptr);
  EXPECT_EQ(store.find(core::hash_part(b), b), nullptr);
  ASSERT_NE(store.find(core::hash_part(c), c), nullptr);
  EXPECT_EQ(store.find(core::hash_part(c), c)->time_s, 3);
}

}  // namespace
}  // namespace lcperf::cost
