// The tiny model's hand-written backward against central finite differences of its
// forward loss, with no shared code between the two sides except the forward itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "tiny_model/training_step.hpp"
#include "tiny_model_test_util.hpp"

namespace lcperf::tiny {
namespace {

const std::vector<std::int64_t> kLengths = {9, 6};

double loss_at(const TinyWeights& w, const std::vector<TokenSequence>& batch) { return unchunked_step(w, batch).loss; }

// Central difference of the loss along `direction` of one tensor (fp32 forward, so the
// step is large enough for the loss difference to stand well above rounding).
double directional_difference(TinyWeights w, std::size_t tensor, const std::vector<float>& direction, double h,
                              const std::vector<TokenSequence>& batch) {
  const std::vector<float> base = *w.tensors()[tensor].values;
  std::vector<float>& values = *w.tensors()[tensor].values;
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(base[i] + h * direction[i]);
  const double up = loss_at(w, batch);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(base[i] - h * direction[i]);
  const double down = loss_at(w, batch);
  return (up - down) / (2 * h);
}

TEST(TinyModelGradCheck, EveryTensorMatchesADirectionalFiniteDifference) {
  const TinyConfig config;
  const TinyWeights w = random_weights(config, 11);
  const auto batch = random_sequences(kLengths, config.vocab, 5);
  const StepResult step = unchunked_step(w, batch);
  EXPECT_GT(step.loss, 0.5 * std::log(double(config.vocab)));  // untrained: near log(vocab)
  const auto grads = step.grads.tensors();
  for (std::size_t t = 0; t < grads.size(); ++t) {
    const std::vector<float>& g = *grads[t].values;
    // A random unit direction plus the gradient's own direction, so a wrong sign or
    // scale of the biggest entries cannot hide in the noise.
    std::vector<float> dir(g.size());
    std::uint64_t s = 1234 + t;
    const double g_norm = test::l2_norm(g);
    double norm = 0;
    for (std::size_t i = 0; i < g.size(); ++i) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      dir[i] = static_cast<float>(double(s >> 11) * 0x1.0p-53 - 0.5 + g[i] / g_norm);
      norm += double(dir[i]) * dir[i];
    }
    double analytic = 0;
    for (std::size_t i = 0; i < g.size(); ++i) {
      dir[i] = static_cast<float>(dir[i] / std::sqrt(norm));
      analytic += double(g[i]) * dir[i];
    }
    const double numeric = directional_difference(w, t, dir, 1e-2, batch);
    std::printf("%-16s analytic %+.6e numeric %+.6e relative diff %.1e\n", grads[t].name.c_str(), analytic, numeric,
                std::fabs(analytic - numeric) / std::fabs(numeric));
    EXPECT_NEAR(analytic, numeric, 1e-3 * std::fabs(numeric) + 1e-6) << grads[t].name;
  }
}

TEST(TinyModelGradCheck, SingleParametersMatchFiniteDifferences) {
  const TinyConfig config;
  const TinyWeights w = random_weights(config, 3);
  const auto batch = random_sequences(kLengths, config.vocab, 8);
  const StepResult step = unchunked_step(w, batch);
  const auto grads = step.grads.tensors();
  int checked = 0;
  double worst = 0;
  for (std::size_t t = 0; t < grads.size(); ++t) {
    const std::vector<float>& g = *grads[t].values;
    // The tensor's largest gradient entry and one fixed pseudo-random entry.
    std::size_t top = 0;
    for (std::size_t i = 1; i < g.size(); ++i) top = std::fabs(g[i]) > std::fabs(g[top]) ? i : top;
    for (std::size_t i : {top, (t * 7919 + 13) % g.size()}) {
      std::vector<float> dir(g.size(), 0.0f);
      dir[i] = 1.0f;
      const double numeric = directional_difference(w, t, dir, 1e-2, batch);
      EXPECT_NEAR(g[i], numeric, 2e-3 * std::fabs(numeric) + 2e-6) << grads[t].name << "[" << i << "]";
      if (std::fabs(numeric) > 1e-4) worst = std::max(worst, std::fabs(g[i] - numeric) / std::fabs(numeric));
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2 * static_cast<int>(grads.size()));
  std::printf("single parameters: worst relative diff %.1e (entries with |g| > 1e-4)\n", worst);
}

}  // namespace
}  // namespace lcperf::tiny
