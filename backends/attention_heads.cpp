#include "backends/attention_heads.hpp"

#include <algorithm>
#include <cmath>

namespace lcperf::backends {

std::pair<int, int> heads_run(const core::AttentionShape& a) {
  if (a.density >= 1.0) return {a.heads_q, a.heads_kv};
  const int group = std::max(1, a.heads_q / std::max(1, a.heads_kv));
  const int kv = std::max(1, static_cast<int>(std::lround(a.density * a.heads_kv)));
  int q = std::max(1, static_cast<int>(std::lround(a.density * a.heads_q)));
  if (q % kv != 0) q = kv * std::max(1, q / kv);
  return {std::min(q, kv * group), kv};
}

}  // namespace lcperf::backends
