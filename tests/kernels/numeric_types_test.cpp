#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kernels/bf16.hpp"
#include "kernels/fp16.hpp"

namespace lcperf::kernels {
namespace {

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(to_bf16(1.0f).bits, 0x3f80);
  // 1 + 2^-8 is exactly halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
  EXPECT_EQ(to_bf16(1.0f + 1.0f / 256).bits, 0x3f80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6: rounds up to even.
  EXPECT_EQ(to_bf16(1.0f + 3.0f / 256).bits, 0x3f82);
  EXPECT_EQ(to_bf16(1.0f + 1.0f / 256 + 1.0f / 4096).bits, 0x3f81);  // above halfway
  EXPECT_EQ(to_float(to_bf16(-2.5f)), -2.5f);
  EXPECT_TRUE(std::isnan(to_float(to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isinf(to_float(to_bf16(std::numeric_limits<float>::max()))));
}

TEST(Fp16, RoundsToNearestEvenIncludingSubnormals) {
  EXPECT_EQ(to_fp16(1.0f).bits, 0x3c00);
  EXPECT_EQ(to_fp16(65504.0f).bits, 0x7bff);
  EXPECT_EQ(to_fp16(65520.0f).bits, 0x7c00);                      // halfway past max: inf
  EXPECT_EQ(to_fp16(1.0f + 1.0f / 2048).bits, 0x3c00);            // tie to even
  EXPECT_EQ(to_fp16(1.0f + 3.0f / 2048).bits, 0x3c02);            // tie to even (up)
  EXPECT_EQ(to_fp16(std::ldexp(1.0f, -24)).bits, 0x0001);         // smallest subnormal
  EXPECT_EQ(to_fp16(std::ldexp(1.0f, -25)).bits, 0x0000);         // tie to even (zero)
  EXPECT_EQ(to_fp16(std::ldexp(3.0f, -25)).bits, 0x0002);         // 1.5 units: tie to even (2)
  for (std::uint32_t bits = 0; bits < 0x7c00; ++bits) {           // every finite half round-trips
    const Fp16 h{static_cast<std::uint16_t>(bits)};
    ASSERT_EQ(to_fp16(to_float(h)).bits, bits);
  }
  EXPECT_FLOAT_EQ(to_float(Fp16{0x0400}), std::ldexp(1.0f, -14));
}

}  // namespace
}  // namespace lcperf::kernels
