#include <gtest/gtest.h>

#include <cmath>

#include "kernel_test_util.hpp"
#include "kernels/norms.hpp"
#include "kernels/rotary.hpp"
#include "kernels/swiglu.hpp"

namespace lcperf::kernels {
namespace {

TEST(NormsCpu, RmsNormOfAConstantRowIsTheWeight) {
  const int cols = 8;
  std::vector<float> x(2 * cols, -3.0f), w(cols), out(x.size());
  for (int c = 0; c < cols; ++c) w[static_cast<std::size_t>(c)] = 0.5f * c;
  for (int c = 0; c < cols; ++c) x[static_cast<std::size_t>(cols + c)] = c % 2 ? 1.0f : -1.0f;
  rmsnorm_cpu(2, cols, x.data(), w.data(), 0.0f, out.data());
  for (int c = 0; c < cols; ++c) {
    EXPECT_FLOAT_EQ(out[static_cast<std::size_t>(c)], -w[static_cast<std::size_t>(c)]);
    EXPECT_FLOAT_EQ(out[static_cast<std::size_t>(cols + c)], x[static_cast<std::size_t>(cols + c)] * w[static_cast<std::size_t>(c)]);
  }
}

TEST(NormsCpu, LayerNormGivesZeroMeanUnitVariance) {
  const int cols = 64;
  const auto x = test::random_vector(3 * cols, 8, -5, 9);
  std::vector<float> w(cols, 1.0f), b(cols, 0.0f), out(x.size());
  layernorm_cpu(3, cols, x.data(), w.data(), b.data(), 0.0f, out.data());
  for (int r = 0; r < 3; ++r) {
    double mean = 0, var = 0;
    for (int c = 0; c < cols; ++c) mean += out[static_cast<std::size_t>(r * cols + c)];
    mean /= cols;
    for (int c = 0; c < cols; ++c) var += std::pow(out[static_cast<std::size_t>(r * cols + c)] - mean, 2);
    EXPECT_NEAR(mean, 0.0, 1e-6);
    EXPECT_NEAR(var / cols, 1.0, 1e-5);
  }
}

TEST(SwigluCpu, MatchesClosedForm) {
  const std::vector<float> gate_up = {0.0f, 2.0f, -30.0f, /* up */ 5.0f, 3.0f, 7.0f};
  std::vector<float> out(3);
  swiglu_cpu(1, 3, gate_up.data(), out.data());
  EXPECT_FLOAT_EQ(out[0], 0.0f);
  EXPECT_FLOAT_EQ(out[1], static_cast<float>(2.0 / (1.0 + std::exp(-2.0)) * 3.0));
  EXPECT_NEAR(out[2], 0.0f, 1e-10);
}

TEST(RotaryCpu, RotatesPairsAndScoresDependOnlyOnRelativePosition) {
  const int d = 8;
  const double theta = 10000;
  const auto q = test::random_vector(d, 1), k = test::random_vector(d, 2);
  std::vector<float> out(d);
  const std::int64_t p = 3;
  rotary_cpu(1, 1, d, &p, theta, q.data(), out.data());
  for (int i = 0; i < d / 2; ++i) {  // closed form of the pair (i, i + d/2)
    const double a = p * std::pow(theta, -2.0 * i / d);
    EXPECT_NEAR(out[static_cast<std::size_t>(i)], q[static_cast<std::size_t>(i)] * std::cos(a) - q[static_cast<std::size_t>(i + d / 2)] * std::sin(a), 1e-6);
    EXPECT_NEAR(out[static_cast<std::size_t>(i + d / 2)], q[static_cast<std::size_t>(i + d / 2)] * std::cos(a) + q[static_cast<std::size_t>(i)] * std::sin(a), 1e-6);
  }
  auto score = [&](std::int64_t pq, std::int64_t pk) {
    std::vector<float> qr(d), kr(d);
    rotary_cpu(1, 1, d, &pq, theta, q.data(), qr.data());
    rotary_cpu(1, 1, d, &pk, theta, k.data(), kr.data());
    double s = 0;
    for (int i = 0; i < d; ++i) s += double(qr[static_cast<std::size_t>(i)]) * kr[static_cast<std::size_t>(i)];
    return s;
  };
  EXPECT_NEAR(score(10, 4), score(1006, 1000), 1e-5);
  EXPECT_GT(std::fabs(score(10, 4) - score(10, 9)), 1e-3);
}

}  // namespace
}  // namespace lcperf::kernels
