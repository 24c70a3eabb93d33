#pragma once
// Shared measures for the tiny-model tests: gradient norms and per-tensor differences.
#include <algorithm>
#include <cmath>
#include <vector>

#include "tiny_model/tiny_weights.hpp"

namespace lcperf::tiny::test {

inline double l2_norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return std::sqrt(s);
}

inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(double(a[i]) - b[i]));
  return d;
}

// Largest over tensors of max|a - b| / ||b||_2 (the tensor's reference gradient norm).
inline double worst_relative_tensor_diff(const TinyWeights& a, const TinyWeights& b) {
  const auto ta = a.tensors();
  const auto tb = b.tensors();
  double worst = 0;
  for (std::size_t i = 0; i < ta.size(); ++i) {
    worst = std::max(worst, max_abs_diff(*ta[i].values, *tb[i].values) / l2_norm(*tb[i].values));
  }
  return worst;
}

}  // namespace lcperf::tiny::test
