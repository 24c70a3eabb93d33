#pragma once
// Internal: one query row's running softmax (max, denominator, weighted V sum),
// shared by every CPU attention variant so they agree bit for bit on how a row is
// reduced. Accumulates in double: a reference should not be the noisy side.
#include <cmath>
#include <limits>
#include <vector>

namespace lcperf::kernels::detail {

class OnlineSoftmaxRow {
 public:
  explicit OnlineSoftmaxRow(int head_dim) : acc_(static_cast<std::size_t>(head_dim), 0.0) {}

  void add(double score, const float* v) {
    if (score > max_) {
      const double rescale = std::isinf(max_) ? 0.0 : std::exp(max_ - score);
      sum_ *= rescale;
      for (double& a : acc_) a *= rescale;
      max_ = score;
    }
    const double p = std::exp(score - max_);
    sum_ += p;
    for (std::size_t i = 0; i < acc_.size(); ++i) acc_[i] += p * v[i];
  }

  void finish(float* out, float* lse) const {
    if (sum_ == 0.0) {
      for (std::size_t i = 0; i < acc_.size(); ++i) out[i] = 0.0f;
      *lse = -std::numeric_limits<float>::infinity();
      return;
    }
    for (std::size_t i = 0; i < acc_.size(); ++i) out[i] = static_cast<float>(acc_[i] / sum_);
    *lse = static_cast<float>(max_ + std::log(sum_));
  }

 private:
  double max_ = -std::numeric_limits<double>::infinity();
  double sum_ = 0.0;
  std::vector<double> acc_;
};

inline double dot(const float* a, const float* b, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += double(a[i]) * double(b[i]);
  return s;
}

}  // namespace lcperf::kernels::detail
