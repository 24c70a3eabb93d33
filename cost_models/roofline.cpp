#include "cost_models/roofline.hpp"

#include <algorithm>
#include <variant>

namespace lcperf::cost {

double peak_flops_for(const core::OpPart& part, const core::HardwareSpec& hw) {
  if (const auto* g = std::get_if<core::GemmShape>(&part)) return hw.peak_flops(g->dtype);
  if (const auto* a = std::get_if<core::AttentionShape>(&part)) return hw.peak_flops(a->dtype);
  if (const auto* s = std::get_if<core::SpmmShape>(&part)) return hw.peak_flops(s->dtype);
  return hw.peak_fp32_flops;
}

double ideal_time_s(const core::OpPart& part, const core::HardwareSpec& hw) {
  const double peak = peak_flops_for(part, hw);
  const double compute = peak > 0 ? core::flops_of(part) / peak : 0.0;
  const double memory = hw.hbm_bandwidth_bytes_per_s > 0 ? core::bytes_of(part) / hw.hbm_bandwidth_bytes_per_s : 0.0;
  return std::max(compute, memory);
}

}  // namespace lcperf::cost
