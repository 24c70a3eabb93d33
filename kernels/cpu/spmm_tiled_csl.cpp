// SpMM straight from the sparse entries: each decoded (row, col, value) of a tile
// updates one output feature for every token. Work is proportional to nnz * n, the
// "load as sparse" half of Flash-LLM without its dense compute half.
#include <algorithm>

#include "kernels/fp16.hpp"
#include "kernels/tiled_csl.hpp"

namespace lcperf::kernels {

void spmm_tiled_csl_cpu(const TiledCsl& a, std::int64_t n, const float* x, float* y) {
  std::fill(y, y + n * a.m, 0.0f);
  for_each_csl_entry(a, [&](std::int64_t row, std::int64_t col, float value) {
    if (value == 0.0f) return;  // padding
    for (std::int64_t j = 0; j < n; ++j) y[j * a.m + row] += value * x[j * a.k + col];
  });
}

}  // namespace lcperf::kernels
