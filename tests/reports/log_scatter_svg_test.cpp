// The log-log scatter of `lcperf compare`: its ticks, and a point where simulated equals
// measured drawn on the y = x line.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reports/log_scatter_svg.hpp"

namespace lcperf::reports {
namespace {

TEST(LogTicks, OneTwoFiveAcrossDecades) {
  EXPECT_EQ(log_ticks(0.9, 120), (std::vector<double>{1, 2, 5, 10, 20, 50, 100}));
  EXPECT_EQ(log_ticks(0.03, 0.4), (std::vector<double>{0.05, 0.1, 0.2}));
}

TEST(LogTicks, EveryMantissaWhenOneTwoFiveGivesTooFew) {
  EXPECT_EQ(log_ticks(2.6, 9.5), (std::vector<double>{3, 4, 5, 6, 7, 8, 9}));
}

TEST(LogTicks, EvenRoundValuesInsideOneMantissaStep) {
  EXPECT_EQ(log_ticks(106000, 127000), (std::vector<double>{110000, 120000}));
}

TEST(LogLogScatter, EqualCoordinatesLieOnTheDiagonal) {
  // The plot area is a square (left 80, top 50, 400 px a side) over one range on both
  // axes, so x = y maps to cx + cy = 80 + 50 + 400.
  const std::string svg = log_log_scatter_svg({{7.0, 7.0, "g", "tip"}, {3.0, 12.0, "h", ""}}, {"t", "x", "y", 0.1});
  EXPECT_NE(svg.find("class=\"ideal\""), std::string::npos);
  EXPECT_EQ(svg.find("NaN"), std::string::npos);
  const std::size_t circle = svg.find("<circle cx=\"");
  ASSERT_NE(circle, std::string::npos);
  const double cx = std::stod(svg.substr(circle + 12));
  const double cy = std::stod(svg.substr(svg.find("cy=\"", circle) + 4));
  EXPECT_NEAR(cx + cy, 530.0, 0.02);
  EXPECT_NE(svg.find("<title>tip</title>"), std::string::npos);
  EXPECT_NE(svg.find(">g</text>"), std::string::npos);  // the legend names both groups
  EXPECT_NE(svg.find(">h</text>"), std::string::npos);
}

}  // namespace
}  // namespace lcperf::reports
