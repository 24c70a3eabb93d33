// Derived device profiles; see device_derivation.hpp.
#include "cost_models/device_derivation.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <variant>

#include "core/errors.hpp"
#include "cost_models/measured_table.hpp"
#include "cost_models/profile_notes.hpp"
#include "cost_models/roofline.hpp"
#include "cost_models/spmm_follows_gemm.hpp"

namespace lcperf::cost {

namespace {

std::vector<MeasuredPoint> scaled_table(const std::vector<MeasuredPoint>& points, const core::HardwareSpec& from,
                                        const core::HardwareSpec& to) {
  std::map<std::string, double> fastest;  // per family (kind): the latency floor it measured
  for (const MeasuredPoint& p : points) {
    const std::string family = table_family(p.shape);
    const auto it = fastest.find(family);
    fastest[family] = it == fastest.end() ? p.time_s : std::min(it->second, p.time_s);
  }
  std::vector<MeasuredPoint> out;
  for (const MeasuredPoint& p : points) {
    const double ratio = ideal_time_s(p.shape, to) / ideal_time_s(p.shape, from);
    out.push_back({p.shape, std::max(p.time_s * ratio, fastest[table_family(p.shape)])});
  }
  return out;
}

double ratio(double target, double source) { return source > 0 ? target / source : 0.0; }

std::string fixed3(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

}  // namespace

DeviceProfile derive_device_profile(const DeviceProfile& measured, const core::HardwareSpec& measured_hw,
                                    const DeviceProfile& target_base, const core::HardwareSpec& target_hw,
                                    const std::string& date) {
  if (measured.provenance.source != "measured") {
    throw core::InputError((measured.origin.empty() ? measured.device : measured.origin) +
                           ": derive from a measured profile (its provenance.source is '" +
                           measured.provenance.source + "')");
  }
  DeviceProfile out = target_base;
  out.hardware = target_hw.id;
  out.of(OpClass::gemm) = measured.of(OpClass::gemm);
  // Waves are counted on the target's own SMs (its SpMM pipeline's count), when it has one.
  if (auto& tiles = out.of(OpClass::gemm).tile_model; tiles && target_base.of(OpClass::spmm).extraction.sm_count > 0) {
    tiles->sm_count = target_base.of(OpClass::spmm).extraction.sm_count;
  }
  out.of(OpClass::elementwise) = measured.of(OpClass::elementwise);
  out.of(OpClass::elementwise).table = scaled_table(measured.of(OpClass::elementwise).table, measured_hw, target_hw);
  out.collective = measured.collective;
  rescale_spmm_like_gemm(out.of(OpClass::spmm), target_base.of(OpClass::gemm), out.of(OpClass::gemm));

  Derivation d;
  d.from = measured_hw.id;
  d.ratios["peak_bf16_flops"] = ratio(target_hw.peak_bf16_flops, measured_hw.peak_bf16_flops);
  d.ratios["peak_fp32_flops"] = ratio(target_hw.peak_fp32_flops, measured_hw.peak_fp32_flops);
  d.ratios["hbm_bandwidth"] = ratio(target_hw.hbm_bandwidth_bytes_per_s, measured_hw.hbm_bandwidth_bytes_per_s);
  d.ratios["nvlink_bandwidth"] =
      ratio(target_hw.nvlink_bandwidth_bytes_per_s, measured_hw.nvlink_bandwidth_bytes_per_s);
  d.ratios["nic_bandwidth"] = ratio(target_hw.nic_bandwidth_bytes_per_s, measured_hw.nic_bandwidth_bytes_per_s);
  out.provenance = Provenance{};
  out.provenance.source = "derived";
  out.provenance.date = date;
  out.provenance.data = measured.provenance.data;
  out.provenance.derived_from = d;

  std::string ratios;
  for (const auto& [name, value] : d.ratios) ratios += (ratios.empty() ? "" : ", ") + name + " " + fixed3(value);
  out.notes = "Derived by `lcperf calibrate --derive-from` from the measured profile of '" + measured_hw.id + "' (" +
              (measured.origin.empty() ? measured.device : measured.origin) +
              "), not measured on this GPU. GEMM and element-wise curves and floors and the collective section are the "
              "measured device's; their efficiencies are fractions of this GPU's own peaks (hardware '" +
              target_hw.id +
              "'), so kernel times scale by the datasheet ratios target/source: " + ratios +
              ". Element-wise table times are scaled by the roofline ratio of their shape, not below their kind's "
              "measured latency floor. The GEMM tile model's waves count this GPU's own SMs (its SpMM section's " +
              "sm_count) at the same tile efficiencies, latency and overlap. Collective latencies are kept. Attention and memcpy are this GPU's own previous "
              "values; SpMM too, with its efficiencies scaled like the dense GEMM's (new/old at each size). What this "
              "assumes: the same efficiency at the same size on both GPUs, which holds best for the same die (H100 -> "
              "H200, H800) and least for a cut-down one (H20: its small GEMMs fill fewer SMs more easily, so the "
              "measured ramp is pessimistic there)." + previous_notes_suffix(target_base.notes);
  return out;
}

}  // namespace lcperf::cost
