// DCA by definition: for each (query, key) pair pick the query position from the
// chunk relation, rotate both vectors for that pair alone, and take one explicit
// softmax per row. Quadratic in rotations; only for small test shapes.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/online_softmax.hpp"
#include "kernels/dca.hpp"
#include "kernels/rotary.hpp"

namespace lcperf::kernels {

void dca_attention_direct_cpu(const AttentionDims& dims, std::int64_t q_len, std::int64_t kv_len, const float* q,
                              const float* k, const float* v, const DcaConfig& config, float* out, float* lse) {
  const int d = dims.head_dim;
  const int group = dims.heads_q / dims.heads_kv;
  const double scale = softmax_scale(dims);
  const std::int64_t s = config.chunk_len();
  const std::int64_t offset = kv_len - q_len;
  std::vector<float> qr(static_cast<std::size_t>(d)), kr(static_cast<std::size_t>(d));
  std::vector<double> score(static_cast<std::size_t>(kv_len));
  for (std::int64_t r = 0; r < q_len; ++r) {
    const std::int64_t pos = offset + r;
    const DcaPositions qp = dca_positions(pos, config);
    for (int h = 0; h < dims.heads_q; ++h) {
      double top = -std::numeric_limits<double>::infinity();
      for (std::int64_t j = 0; j <= pos; ++j) {
        const std::int64_t gap = pos / s - j / s;
        const std::int64_t q_pos = gap == 0 ? qp.q_intra : (gap == 1 ? qp.q_succ : qp.q_inter);
        const std::int64_t k_pos = dca_positions(j, config).key;
        rotary_cpu(1, 1, d, &q_pos, config.rope_theta, q + (r * dims.heads_q + h) * d, qr.data());
        rotary_cpu(1, 1, d, &k_pos, config.rope_theta, k + (j * dims.heads_kv + h / group) * d, kr.data());
        score[static_cast<std::size_t>(j)] = scale * detail::dot(qr.data(), kr.data(), d);
        top = std::max(top, score[static_cast<std::size_t>(j)]);
      }
      double sum = 0;
      std::vector<double> acc(static_cast<std::size_t>(d), 0.0);
      for (std::int64_t j = 0; j <= pos; ++j) {
        const double p = std::exp(score[static_cast<std::size_t>(j)] - top);
        sum += p;
        const float* vr = v + (j * dims.heads_kv + h / group) * d;
        for (int x = 0; x < d; ++x) acc[static_cast<std::size_t>(x)] += p * vr[x];
      }
      for (int x = 0; x < d; ++x) out[(r * dims.heads_q + h) * d + x] = static_cast<float>(acc[static_cast<std::size_t>(x)] / sum);
      lse[r * dims.heads_q + h] = static_cast<float>(top + std::log(sum));
    }
  }
}

}  // namespace lcperf::kernels
