// The training backward kernels against central finite differences of naive double
// forward loops written here (not the kernels' own forwards), so a shared mistake in a
// kernel's forward and backward cannot cancel out.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <stdexcept>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/cross_entropy.hpp"
#include "kernels/norms_backward.hpp"
#include "kernels/swiglu_backward.hpp"

namespace lcperf::kernels {
namespace {

// d/dv[i] of f by central differences in double.
double central_difference(std::vector<double> v, std::size_t i, const std::function<double(const std::vector<double>&)>& f) {
  const double h = 1e-6;
  const double at = v[i];
  v[i] = at + h;
  const double up = f(v);
  v[i] = at - h;
  const double down = f(v);
  return (up - down) / (2 * h);
}

std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

TEST(RmsNormBwdCpu, MatchesFiniteDifferencesOfTheNaiveForward) {
  const int rows = 3, cols = 16;
  const float eps = 1e-5f;
  const auto x = test::random_vector(rows * cols, 1, -2, 2);
  const auto w = test::random_vector(cols, 2, 0.5f, 1.5f);
  const auto dy = test::random_vector(rows * cols, 3);
  // L(x, w) = sum dy * rmsnorm(x, w), computed naively in double.
  const auto loss = [&](const std::vector<double>& xs, const std::vector<double>& ws) {
    double total = 0;
    for (int r = 0; r < rows; ++r) {
      double ss = 0;
      for (int c = 0; c < cols; ++c) ss += xs[std::size_t(r * cols + c)] * xs[std::size_t(r * cols + c)];
      const double inv = 1 / std::sqrt(ss / cols + eps);
      for (int c = 0; c < cols; ++c) total += dy[std::size_t(r * cols + c)] * xs[std::size_t(r * cols + c)] * inv * ws[std::size_t(c)];
    }
    return total;
  };
  std::vector<float> dx(x.size()), dw(cols, 0.25f);  // dweight accumulates onto 0.25
  rmsnorm_bwd_cpu(rows, cols, x.data(), w.data(), eps, dy.data(), dx.data(), dw.data());
  const auto xd = to_double(x), wd = to_double(w);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double want = central_difference(xd, i, [&](const std::vector<double>& v) { return loss(v, wd); });
    EXPECT_NEAR(dx[i], want, 1e-5 * (1 + std::fabs(want))) << i;
  }
  for (std::size_t c = 0; c < w.size(); ++c) {
    const double want = central_difference(wd, c, [&](const std::vector<double>& v) { return loss(xd, v); });
    EXPECT_NEAR(dw[c] - 0.25, want, 1e-5 * (1 + std::fabs(want))) << c;
  }
}

TEST(SwigluBwdCpu, MatchesFiniteDifferencesOfTheNaiveForward) {
  const int rows = 2, cols = 8;
  const auto gate_up = test::random_vector(rows * 2 * cols, 4, -4, 4);
  const auto dout = test::random_vector(rows * cols, 5);
  const auto loss = [&](const std::vector<double>& gu) {
    double total = 0;
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        const double g = gu[std::size_t(r * 2 * cols + c)], u = gu[std::size_t(r * 2 * cols + cols + c)];
        total += dout[std::size_t(r * cols + c)] * g / (1 + std::exp(-g)) * u;
      }
    }
    return total;
  };
  std::vector<float> grad(gate_up.size());
  swiglu_bwd_cpu(rows, cols, gate_up.data(), dout.data(), grad.data());
  const auto gd = to_double(gate_up);
  for (std::size_t i = 0; i < gate_up.size(); ++i) {
    const double want = central_difference(gd, i, loss);
    EXPECT_NEAR(grad[i], want, 1e-5 * (1 + std::fabs(want))) << i;
  }
}

TEST(CrossEntropyCpu, UniformLogitsCostLogVocabPerRow) {
  const int vocab = 50;
  std::vector<float> logits(3 * vocab, 2.5f);
  const std::vector<std::int32_t> labels = {0, 17, 49};
  EXPECT_NEAR(cross_entropy_sum_cpu(3, vocab, logits.data(), labels.data()), 3 * std::log(50.0), 1e-9);
  std::vector<float> d(logits.size());
  cross_entropy_bwd_cpu(3, vocab, logits.data(), labels.data(), 0.5f, d.data());
  EXPECT_NEAR(d[0], 0.5 * (1.0 / 50 - 1), 1e-7);
  EXPECT_NEAR(d[1], 0.5 / 50, 1e-7);
  EXPECT_NEAR(d[vocab + 17], 0.5 * (1.0 / 50 - 1), 1e-7);
}

TEST(CrossEntropyCpu, GradientMatchesFiniteDifferencesAndRowsSumToZero) {
  const int rows = 4, vocab = 12;
  const auto logits = test::random_vector(rows * vocab, 6, -3, 3);
  const std::vector<std::int32_t> labels = {3, 0, 11, 3};
  const auto loss = [&](const std::vector<double>& z) {
    double total = 0;
    for (int r = 0; r < rows; ++r) {
      double sum = 0;
      for (int c = 0; c < vocab; ++c) sum += std::exp(z[std::size_t(r * vocab + c)]);
      total += std::log(sum) - z[std::size_t(r * vocab + labels[std::size_t(r)])];
    }
    return total;
  };
  EXPECT_NEAR(cross_entropy_sum_cpu(rows, vocab, logits.data(), labels.data()), loss(to_double(logits)), 1e-9);
  std::vector<float> d(logits.size());
  cross_entropy_bwd_cpu(rows, vocab, logits.data(), labels.data(), 1.0f, d.data());
  const auto zd = to_double(logits);
  for (std::size_t i = 0; i < logits.size(); ++i) {
    EXPECT_NEAR(d[i], central_difference(zd, i, loss), 1e-6) << i;
  }
  for (int r = 0; r < rows; ++r) {
    double sum = 0;
    for (int c = 0; c < vocab; ++c) sum += d[std::size_t(r * vocab + c)];
    EXPECT_NEAR(sum, 0.0, 1e-6) << r;
  }
}

TEST(CrossEntropyCpu, RejectsALabelOutsideTheVocabulary) {
  std::vector<float> logits(4, 0.0f);
  const std::vector<std::int32_t> labels = {4};
  EXPECT_THROW(cross_entropy_sum_cpu(1, 4, logits.data(), labels.data()), std::invalid_argument);
  std::vector<float> d(4);
  EXPECT_THROW(cross_entropy_bwd_cpu(1, 4, logits.data(), labels.data(), 1.0f, d.data()), std::invalid_argument);
}

}  // namespace
}  // namespace lcperf::kernels
