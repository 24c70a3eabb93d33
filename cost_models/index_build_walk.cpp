#include "cost_models/index_build_walk.hpp"

#include <cmath>

namespace lcperf::cost {

double index_build_walk_s(const core::ElementwiseShape& e, int sm_count, double clock_hz) {
  if (e.kind != core::kSparseIndexBuildKind || sm_count <= 0 || !(clock_hz > 0) || e.elements <= 0) return 0.0;
  const double steps = e.flops_per_element / 2.0;
  const double waves = std::ceil(static_cast<double>(e.elements) / (kWalkThreadsPerSm * sm_count));
  return waves * steps * kIndexStepCycles / clock_hz;
}

}  // namespace lcperf::cost
