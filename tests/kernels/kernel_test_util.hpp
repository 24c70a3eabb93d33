#pragma once
// Shared helpers of the kernel tests: seeded random inputs, error measures and the
// textbook attention (materialised softmax(Q K^T) V) the optimised references are
// compared with.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/attention.hpp"

namespace lcperf::kernels::test {

inline std::vector<float> random_vector(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

// max |a - b| / max |b|: one number per tensor, insensitive to tiny entries.
inline double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) return std::numeric_limits<double>::infinity();
    diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(double(b[i])));
  }
  return scale == 0 ? diff : diff / scale;
}

inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i])) return std::numeric_limits<double>::infinity();
    if (std::isinf(a[i]) && std::isinf(b[i]) && a[i] == b[i]) continue;
    diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
  }
  return diff;
}

// Explicit softmax(scale * Q K^T + mask) V for one sequence, one head at a time;
// `visible(i, j)` says whether query row i may see key j.
template <typename Visible>
void explicit_attention(const AttentionDims& dims, std::int64_t q_len, std::int64_t kv_len, const float* q,
                        const float* k, const float* v, Visible visible, float* out, float* lse) {
  const int d = dims.head_dim;
  const int group = dims.heads_q / dims.heads_kv;
  const double scale = softmax_scale(dims);
  std::vector<double> s(static_cast<std::size_t>(q_len * kv_len));
  for (int h = 0; h < dims.heads_q; ++h) {
    const int hk = h / group;
    for (std::int64_t i = 0; i < q_len; ++i) {
      double top = -std::numeric_limits<double>::infinity();
      for (std::int64_t j = 0; j < kv_len; ++j) {
        double dot = 0;
        for (int x = 0; x < d; ++x) dot += double(q[(i * dims.heads_q + h) * d + x]) * k[(j * dims.heads_kv + hk) * d + x];
        s[i * kv_len + j] = visible(i, j) ? scale * dot : -std::numeric_limits<double>::infinity();
        top = std::max(top, s[i * kv_len + j]);
      }
      float* o = out + (i * dims.heads_q + h) * d;
      if (std::isinf(top)) {
        std::fill(o, o + d, 0.0f);
        lse[i * dims.heads_q + h] = -std::numeric_limits<float>::infinity();
        continue;
      }
      double z = 0;
      for (std::int64_t j = 0; j < kv_len; ++j) z += std::exp(s[i * kv_len + j] - top);
      for (int x = 0; x < d; ++x) {
        double acc = 0;
        for (std::int64_t j = 0; j < kv_len; ++j) acc += std::exp(s[i * kv_len + j] - top) / z * v[(j * dims.heads_kv + hk) * d + x];
        o[x] = static_cast<float>(acc);
      }
      lse[i * dims.heads_q + h] = static_cast<float>(top + std::log(z));
    }
  }
}

inline auto bottom_right_causal(std::int64_t q_len, std::int64_t kv_len) {
  return [=](std::int64_t i, std::int64_t j) { return j <= i + kv_len - q_len; };
}

}  // namespace lcperf::kernels::test
