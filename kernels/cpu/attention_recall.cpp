#include <cmath>

#include "kernels/vertical_slash.hpp"

namespace lcperf::kernels {

double attention_recall_cpu(std::int64_t rows, const float* lse_sparse, const float* lse_full, float* recall) {
  double total = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const double value = std::isinf(lse_full[r]) ? 1.0 : std::exp(double(lse_sparse[r]) - lse_full[r]);
    recall[r] = static_cast<float>(value);
    total += value;
  }
  return rows > 0 ? total / static_cast<double>(rows) : 1.0;
}

}  // namespace lcperf::kernels
