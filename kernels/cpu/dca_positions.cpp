#include <algorithm>

#include "kernels/dca.hpp"

namespace lcperf::kernels {

DcaPositions dca_positions(std::int64_t position, const DcaConfig& config) {
  const std::int64_t s = config.chunk_len();
  const std::int64_t i = position % s;
  DcaPositions p;
  p.key = i;
  p.q_intra = i;
  p.q_succ = std::min(i + s, config.chunk_size);
  p.q_inter = config.chunk_size;  // min(2s - 1, c) == c whenever w < s, as shipped
  p.q_succ_critical = i + s;
  p.q_inter_critical = i + config.chunk_size;
  return p;
}

}  // namespace lcperf::kernels
