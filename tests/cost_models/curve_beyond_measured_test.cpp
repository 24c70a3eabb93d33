// A fitted GEMM curve keeps its measured region and takes the base's points beyond the
// largest measured size, converted as square GEMMs (flops = 2 d^3).
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "cost_models/curve_beyond_measured.hpp"

namespace lcperf::cost {
namespace {

EfficiencyCurve curve(SizeVariable v, std::vector<CurvePoint> points) { return EfficiencyCurve{v, std::move(points)}; }

TEST(CurveBeyondMeasured, SquareGemmSizesConvertBothWays) {
  EXPECT_DOUBLE_EQ(square_gemm_size(8192, SizeVariable::min_dim, SizeVariable::flops), 2.0 * 8192 * 8192 * 8192);
  EXPECT_NEAR(square_gemm_size(2.0 * 8192 * 8192 * 8192, SizeVariable::flops, SizeVariable::min_dim), 8192, 1e-6);
  EXPECT_EQ(square_gemm_size(5, SizeVariable::bytes, SizeVariable::bytes), 5);
}

TEST(CurveBeyondMeasured, AppendsOnlyBasePointsBeyondTheMeasuredRegion) {
  // The H100 case: fitted over min_dim up to 4096 tokens; the datasheet base over FLOPs,
  // whose last two points are 4096^3 and 8192^3 square GEMMs.
  const EfficiencyCurve fitted = curve(SizeVariable::min_dim, {{152, 0.39}, {4096, 0.71}});
  const EfficiencyCurve base = curve(SizeVariable::flops, {{2.0 * 4096 * 4096 * 4096, 0.74},
                                                           {2.0 * 8192 * 8192 * 8192, 0.79}});
  const EfficiencyCurve out = extend_beyond_measured(fitted, 4096, base);
  ASSERT_EQ(out.points.size(), 3u);
  EXPECT_EQ(out.points[0].efficiency, 0.39);
  EXPECT_EQ(out.points[1].efficiency, 0.71);  // the 4096^3 base point sits on the measured edge: not taken
  EXPECT_NEAR(out.points[2].size, 8192, 1e-6);
  EXPECT_EQ(out.points[2].efficiency, 0.79);
  // Inside the measured region nothing moves; halfway (in log2) to 8192 the ramp is halfway.
  EXPECT_DOUBLE_EQ(out.at(2048), fitted.at(2048));
  EXPECT_NEAR(out.at(std::sqrt(4096.0 * 8192.0)), 0.75, 1e-9);
}

TEST(CurveBeyondMeasured, MeasurementsReachingPastTheBaseChangeNothing) {
  // The A100 case: its tables reach 3e13 FLOPs, past every base point.
  const EfficiencyCurve fitted = curve(SizeVariable::flops, {{7.9e8, 0.16}, {3.3e12, 0.76}});
  const EfficiencyCurve base = curve(SizeVariable::flops, {{2.7e8, 0.25}, {1.1e12, 0.82}});
  EXPECT_EQ(extend_beyond_measured(fitted, 3.1e13, base).points.size(), 2u);
  // A curve over another variable is left alone.
  const EfficiencyCurve kv = curve(SizeVariable::kv_len, {{512, 0.4}});
  EXPECT_EQ(extend_beyond_measured(kv, 512, base).points.size(), 1u);
}

}  // namespace
}  // namespace lcperf::cost
