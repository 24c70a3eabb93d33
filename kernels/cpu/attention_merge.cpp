// Max-shifted log-sum-exp so that large lse values (long contexts, big logits) do
// not overflow the weights.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/attention_merge.hpp"

namespace lcperf::kernels {

void merge_attention_parts_cpu(int parts, std::int64_t rows, int head_dim, const float* const* outs,
                               const float* const* lses, float* out, float* lse) {
  for (std::int64_t r = 0; r < rows; ++r) {
    double top = -std::numeric_limits<double>::infinity();
    for (int p = 0; p < parts; ++p) top = std::max(top, double(lses[p][r]));
    float* o = out + r * head_dim;
    for (int x = 0; x < head_dim; ++x) o[x] = 0.0f;
    if (std::isinf(top)) {
      lse[r] = -std::numeric_limits<float>::infinity();
      continue;
    }
    double sum = 0;
    for (int p = 0; p < parts; ++p) sum += std::exp(double(lses[p][r]) - top);
    const double merged = top + std::log(sum);
    for (int p = 0; p < parts; ++p) {
      const double w = std::exp(double(lses[p][r]) - merged);
      if (w == 0.0) continue;
      const float* op = outs[p] + r * head_dim;
      for (int x = 0; x < head_dim; ++x) o[x] += static_cast<float>(w * op[x]);
    }
    lse[r] = static_cast<float>(merged);
  }
}

}  // namespace lcperf::kernels
