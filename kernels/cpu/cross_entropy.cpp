#include "kernels/cross_entropy.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace lcperf::kernels {

namespace {

std::int32_t checked_label(const std::int32_t* labels, std::int64_t row, int vocab) {
  const std::int32_t label = labels[row];
  if (label < 0 || label >= vocab) {
    throw std::invalid_argument("cross entropy: label " + std::to_string(label) + " of row " + std::to_string(row) +
                                " is outside the vocabulary [0, " + std::to_string(vocab) + ")");
  }
  return label;
}

double log_sum_exp(const float* row, int vocab) {
  const double top = *std::max_element(row, row + vocab);
  double z = 0;
  for (int c = 0; c < vocab; ++c) z += std::exp(row[c] - top);
  return top + std::log(z);
}

}  // namespace

double cross_entropy_sum_cpu(std::int64_t rows, int vocab, const float* logits, const std::int32_t* labels) {
  double total = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = logits + r * vocab;
    total += log_sum_exp(row, vocab) - row[checked_label(labels, r, vocab)];
  }
  return total;
}

void cross_entropy_bwd_cpu(std::int64_t rows, int vocab, const float* logits, const std::int32_t* labels, float scale,
                           float* dlogits) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* row = logits + r * vocab;
    const std::int32_t label = checked_label(labels, r, vocab);
    const double lse = log_sum_exp(row, vocab);
    for (int c = 0; c < vocab; ++c) {
      const double p = std::exp(row[c] - lse);
      dlogits[r * vocab + c] = static_cast<float>(scale * (p - (c == label ? 1.0 : 0.0)));
    }
  }
}

}  // namespace lcperf::kernels
