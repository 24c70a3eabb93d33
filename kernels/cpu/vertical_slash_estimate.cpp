// Index estimation from the last queries. Probabilities (not raw scores) are
// accumulated so every row weighs the same regardless of its logit scale.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "kernels/cpu/online_softmax.hpp"
#include "kernels/vertical_slash.hpp"

namespace lcperf::kernels {

namespace {

// Indices of the `count` largest scores, ties broken by lower index so results are
// deterministic.
std::vector<std::int32_t> top_k(const std::vector<double>& score, std::int64_t count) {
  std::vector<std::int32_t> idx(score.size());
  std::iota(idx.begin(), idx.end(), 0);
  count = std::min<std::int64_t>(count, static_cast<std::int64_t>(idx.size()));
  std::partial_sort(idx.begin(), idx.begin() + count, idx.end(), [&](std::int32_t a, std::int32_t b) {
    return score[static_cast<std::size_t>(a)] != score[static_cast<std::size_t>(b)]
               ? score[static_cast<std::size_t>(a)] > score[static_cast<std::size_t>(b)]
               : a < b;
  });
  idx.resize(static_cast<std::size_t>(count));
  return idx;
}

}  // namespace

std::vector<VerticalSlashIndex> estimate_vertical_slash_cpu(const AttentionDims& dims, std::int64_t q_len,
                                                            std::int64_t kv_len, const float* q, const float* k,
                                                            const VerticalSlashConfig& config) {
  const int d = dims.head_dim;
  const int group = dims.heads_q / dims.heads_kv;
  const double scale = softmax_scale(dims);
  const std::int64_t last = std::min<std::int64_t>(config.last_q, q_len);
  const std::int64_t offset = kv_len - q_len;  // position of query 0
  const std::int64_t v_budget = std::min<std::int64_t>(kv_len, std::max<std::int64_t>(config.vertical_budget, config.forced_sinks));
  const std::int64_t s_budget = std::min<std::int64_t>(kv_len, std::max<std::int64_t>(config.slash_budget, config.min_slash));
  const double inf = std::numeric_limits<double>::infinity();

  std::vector<VerticalSlashIndex> result(static_cast<std::size_t>(dims.heads_q));
  std::vector<double> prob(static_cast<std::size_t>(kv_len));
  for (int h = 0; h < dims.heads_q; ++h) {
    std::vector<double> vertical(static_cast<std::size_t>(kv_len), 0.0);
    std::vector<double> slash(static_cast<std::size_t>(kv_len), 0.0);  // by offset 0..kv_len-1
    for (std::int64_t r = q_len - last; r < q_len; ++r) {
      const std::int64_t pos = offset + r;
      const float* qr = q + (r * dims.heads_q + h) * d;
      double top = -inf;
      for (std::int64_t j = 0; j <= pos; ++j) {
        prob[static_cast<std::size_t>(j)] = scale * detail::dot(qr, k + (j * dims.heads_kv + h / group) * d, d);
        top = std::max(top, prob[static_cast<std::size_t>(j)]);
      }
      double sum = 0;
      for (std::int64_t j = 0; j <= pos; ++j) sum += (prob[static_cast<std::size_t>(j)] = std::exp(prob[static_cast<std::size_t>(j)] - top));
      for (std::int64_t j = 0; j <= pos; ++j) {
        const double p = prob[static_cast<std::size_t>(j)] / sum;
        vertical[static_cast<std::size_t>(j)] += p;
        slash[static_cast<std::size_t>(pos - j)] += p;
      }
    }
    for (std::int64_t j = 0; j < std::min<std::int64_t>(config.forced_sinks, kv_len); ++j) vertical[static_cast<std::size_t>(j)] = inf;
    for (std::int64_t s = 0; s < std::min<std::int64_t>(config.forced_local, kv_len); ++s) slash[static_cast<std::size_t>(s)] = inf;
    // Diagonals that no estimation row reaches still rank (with score 0), after
    // every reached one: a budget that covers everything must keep them all.
    VerticalSlashIndex& out = result[static_cast<std::size_t>(h)];
    out.vertical = top_k(vertical, v_budget);
    out.slash = top_k(slash, s_budget);
    std::sort(out.vertical.begin(), out.vertical.end());
    std::sort(out.slash.begin(), out.slash.end(), std::greater<>());
  }
  return result;
}

}  // namespace lcperf::kernels
