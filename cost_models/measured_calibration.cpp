// Calibration from imported measured tables; see measured_calibration.hpp.
#include "cost_models/measured_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <variant>

#include "core/errors.hpp"
#include "core/number_text.hpp"
#include "cost_models/calibration.hpp"
#include "cost_models/curve_beyond_measured.hpp"
#include "cost_models/elementwise_kind_tables.hpp"
#include "cost_models/gemm_tile_fit.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/profile_notes.hpp"
#include "cost_models/spmm_follows_gemm.hpp"

namespace lcperf::cost {

namespace {

// Groups in report order; collectives across nodes come last, as information.
constexpr const char* kKernelGroups[] = {"gemm", "norm", "rotary", "activation", "add", "embedding"};

bool is_add(const ProfileRow& row) {
  const auto* e = std::get_if<core::ElementwiseShape>(&row.shape);
  return e != nullptr && e->kind == "add";
}

// The element-wise class curves, which price every kind without a table of its own:
// the memory curve is the efficiency the residual adds of the training rows reached,
// over bytes; the compute curve stays the base's, as an add has no arithmetic to fit
// one from (a compute curve fitted to it would make any kind with a few FLOPs per
// element, GeLU, Adam, compute-bound at a fraction of the vector rate).
void fit_elementwise_class(OpClassProfile& profile, const std::vector<const ProfileRow*>& adds,
                           const core::HardwareSpec& hw, int max_knots) {
  if (adds.empty()) return;
  std::vector<EfficiencySample> samples;
  double fastest_s = adds.front()->median_s;
  for (const ProfileRow* r : adds) {
    const double bytes = core::bytes_of(r->shape);
    samples.push_back({bytes, bytes / (hw.hbm_bandwidth_bytes_per_s * r->median_s)});
    fastest_s = std::min(fastest_s, r->median_s);
  }
  profile.memory_efficiency = fit_efficiency_curve(SizeVariable::bytes, samples, max_knots).curve;
  profile.min_latency_s = std::min(profile.min_latency_s, 0.5 * fastest_s);
}

// The rows calibrate_device fits: every GEMM.
struct CurveInput {
  KernelProfile profile;
  std::vector<bool> held_out;
};

CurveInput curve_input(const MeasuredKernels& kernels, const std::vector<bool>& held_out) {
  CurveInput in;
  in.profile.origin = kernels.profile.origin;
  in.profile.backend = kernels.profile.backend;
  in.profile.device = kernels.profile.device;
  for (std::size_t i = 0; i < kernels.profile.rows.size(); ++i) {
    const ProfileRow& row = kernels.profile.rows[i];
    if (row.op_class != OpClass::gemm) continue;
    in.profile.rows.push_back(row);
    in.held_out.push_back(held_out[i]);
  }
  return in;
}

// Mean squared log error of the GEMM training rows under `profile`.
double gemm_training_error(const CurveInput& in, const DeviceProfile& profile, const core::HardwareSpec& hw) {
  const CostModel model(hw, profile);
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < in.profile.rows.size(); ++i) {
    const ProfileRow& row = in.profile.rows[i];
    if (in.held_out[i] || row.op_class != OpClass::gemm) continue;
    const double e = std::log(model.time_s(row.shape) / row.median_s);
    sum += e * e;
    ++count;
  }
  return count > 0 ? sum / static_cast<double>(count) : 0.0;
}

// GEMM curves: the compute curve over FLOPs and over min(m, n, k), the one
// with the smaller training error kept.
DeviceProfile fit_curves(const MeasuredKernels& kernels, const std::vector<bool>& held_out, const DeviceProfile& base,
                         const core::HardwareSpec& hw, int max_knots, SizeVariable& chosen) {
  const CurveInput in = curve_input(kernels, held_out);
  CalibrationOptions options;
  options.max_knots = max_knots;
  options.held_out_rows = in.held_out;
  DeviceProfile best;
  double best_error = std::numeric_limits<double>::infinity();
  for (SizeVariable variable : {SizeVariable::flops, SizeVariable::min_dim}) {
    DeviceProfile start = base;
    // The variable is chosen by the curve's own errors: with the base's tile model kept,
    // every measured GEMM would be priced by the tiles, both variables would tie, and a
    // refit from a committed profile would not reproduce the curve it was fitted with.
    start.of(OpClass::gemm).tile_model.reset();
    start.of(OpClass::gemm).compute_efficiency.variable = variable;
    CalibrationResult fitted = calibrate_device(in.profile, start, hw, options);
    const double error = gemm_training_error(in, fitted.profile, hw);
    if (error < best_error) {
      best_error = error;
      best = std::move(fitted.profile);
      chosen = variable;
    }
  }
  return best;
}

// The largest size on `variable` among the GEMM rows of the fit (held-out rows excluded).
double largest_measured_gemm(const MeasuredKernels& kernels, const std::vector<bool>& held_out, SizeVariable variable) {
  double largest = 0;
  for (std::size_t i = 0; i < kernels.profile.rows.size(); ++i) {
    const auto* g = std::get_if<core::GemmShape>(&kernels.profile.rows[i].shape);
    if (held_out[i] || g == nullptr) continue;
    const double size = variable == SizeVariable::min_dim ? static_cast<double>(std::min({g->m, g->n, g->k}))
                                                          : core::flops_of(kernels.profile.rows[i].shape);
    largest = std::max(largest, size);
  }
  return largest;
}

// The GEMM tile model on the training rows, with the base's SM count (its SpMM
// pipeline's); nullopt when the base has none, and the curves price every GEMM.
std::optional<GemmTileModel> fit_tiles(const MeasuredKernels& kernels, const std::vector<bool>& held_out,
                                       const DeviceProfile& base, const core::HardwareSpec& hw) {
  GemmTileModel start;
  start.sm_count = base.of(OpClass::spmm).extraction.sm_count;
  if (start.sm_count <= 0) return std::nullopt;
  start.tiles = default_gemm_tiles();
  start.latency_s = 5e-6;
  start.memory_efficiency = 0.8;
  start.k_overhead = 64;
  start.overlap_exponent = 4;
  start.stream_k_efficiency = 0.9;
  start.stream_k_fixup_s = 2e-6;
  std::vector<GemmSample> samples;
  for (std::size_t i = 0; i < kernels.profile.rows.size(); ++i) {
    const auto* g = std::get_if<core::GemmShape>(&kernels.profile.rows[i].shape);
    if (!held_out[i] && g != nullptr) samples.push_back({*g, kernels.profile.rows[i].median_s});
  }
  if (samples.empty()) return std::nullopt;
  return fit_gemm_tile_model(samples, start, hw).model;
}

std::string tile_model_notes(const std::optional<GemmTileModel>& m) {
  if (!m) return "no SM count in the base, so no tile model: the curve prices every GEMM";
  std::string tiles;
  for (const GemmTile& t : m->tiles) {
    tiles += (tiles.empty() ? "" : ", ") + std::to_string(t.m) + "x" + std::to_string(t.n) + " at " +
             core::number_text(t.efficiency, 3);
  }
  return "tile model (" + std::to_string(m->sm_count) + " SMs, waves of one tile per SM, split-K below one wave): tile "
         "efficiencies " + tiles + " of peak, K overhead " + core::number_text(m->k_overhead, 3) + " per tile, operands at " +
         core::number_text(m->memory_efficiency, 3) + " of HBM bandwidth, overlap p-norm " + core::number_text(m->overlap_exponent, 3) +
         ", latency " + core::number_text(m->latency_s * 1e6, 3) + " us, stream-K kernels (two waves or more) at " +
         core::number_text(m->stream_k_efficiency, 3) + " of the tile's rate with a fix-up of " +
         core::number_text(m->stream_k_fixup_s * 1e6, 3) + " us; fitted up to min(m, n, k) = " +
         core::number_text(m->measured_min_dim) + ", beyond which the price moves to the compute curve";
}

struct Tally {
  std::vector<double> predicted, measured;
  void add(double p, double m) {
    predicted.push_back(p);
    measured.push_back(m);
  }
  ErrorSummary summary() const { return summarize_relative_errors(predicted, measured); }
};

std::string collective_group(const MeasuredCollective& row) {
  std::string name = row.kind == MeasuredCollectiveKind::send_recv ? "send_recv" : "all_reduce";
  return row.nodes > 1 ? name + " across nodes (not fitted)" : name;
}

std::vector<GroupErrors> evaluate(const MeasuredKernels& kernels, const std::vector<bool>& kernel_held,
                                  const MeasuredCollectives& collectives, const std::vector<bool>& collective_held,
                                  const DeviceProfile& profile, const core::HardwareSpec& hw) {
  const CostModel model(hw, profile);
  std::map<std::string, std::pair<Tally, Tally>> tallies;  // group -> (train, held out)
  for (std::size_t i = 0; i < kernels.profile.rows.size(); ++i) {
    const ProfileRow& row = kernels.profile.rows[i];
    auto& pair = tallies[kernels.sources[i].group];
    (kernel_held[i] ? pair.second : pair.first).add(model.time_s(row.shape), row.median_s);
  }
  for (std::size_t i = 0; i < collectives.rows.size(); ++i) {
    const MeasuredCollective& row = collectives.rows[i];
    auto& pair = tallies[collective_group(row)];
    const bool held = collective_held[i] || row.nodes > 1;
    (held ? pair.second : pair.first).add(modeled_time_s(row, model.collectives()), row.time_s);
  }
  std::vector<GroupErrors> out;
  std::vector<std::string> order(std::begin(kKernelGroups), std::end(kKernelGroups));
  for (const char* c : {"all_reduce", "send_recv"}) order.push_back(c);
  for (const auto& [group, pair] : tallies) {
    if (std::find(order.begin(), order.end(), group) == order.end()) order.push_back(group);
  }
  for (const std::string& group : order) {
    const auto it = tallies.find(group);
    if (it == tallies.end()) continue;
    out.push_back({group, it->second.first.summary(), it->second.second.summary(),
                   group.find("not fitted") == std::string::npos});
  }
  return out;
}

std::string notes_of(const MeasuredCalibration& r, const MeasuredKernels& kernels, const DeviceProfile& base,
                     const core::HardwareSpec& hw, const MeasuredCalibrationOptions& options) {
  const MeasuredData& d = options.data;
  std::string text = "Measured: fitted by `lcperf calibrate` to " + d.name + " (commit " + d.commit + ", copy in " +
                     d.path + "): " + std::to_string(kernels.files.size()) + " layer tables of GPU folder '" + d.gpu +
                     "'" + (d.network.empty() ? "" : " and the NCCL tables of setup '" + d.network + "'") +
                     ", against the peaks of hardware '" + hw.id + "'. ";
  text += "Held out of the fit: model family '" + (options.hold_out_family.empty() ? "none" : options.hold_out_family) +
          "' (every row), and one size in " + std::to_string(options.collective_holdout_every) +
          " of each collective series. GEMM: " + tile_model_notes(r.profile.of(OpClass::gemm).tile_model) +
          "; the compute curve over " + std::string(to_string(r.gemm_variable)) +
          " (fitted over flops and min_dim, the smaller training error kept; beyond the largest measured size it ramps "
          "to the base's points there, the published large-GEMM regime) prices SpMM's rescaling and GEMMs beyond the "
          "measured sizes. Element-wise: one curve per measured "
          "kind as table points (log time piecewise linear in log2 bytes); for kinds without a table the class memory "
          "curve is the residual add's efficiency over bytes, the compute curve the base's. Collectives: NVLink efficiency and p2p latency from send/recv, bus "
          "efficiencies x" +
          std::to_string(r.collective.bus_efficiency_factor).substr(0, 5) + ", base latencies x" +
          std::to_string(r.collective.base_latency_factor).substr(0, 5) + " and intra-node hop latencies x" +
          std::to_string(r.collective.hop_latency_factor).substr(0, 5) +
          " from all-reduce (single node); inter-node constants kept from the base. Not measured, kept from the "
          // The base is named by its hardware id, not by the path it was read from: the
          // notes are committed with the profile and must hold no machine's path.
          "base profile of hardware '" +
          base.hardware + "': attention, memcpy, and SpMM with its efficiencies scaled like the dense GEMM's (new/old at each size). "
          "Relative errors of this file: " +
          measured_calibration_summary(r) + "." + previous_notes_suffix(base.notes);
  return text;
}

}  // namespace

std::vector<bool> collective_held_out_rows(const std::vector<MeasuredCollective>& rows, std::size_t every) {
  std::map<std::tuple<int, int, int>, std::vector<std::size_t>> series;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    series[{static_cast<int>(rows[i].kind), rows[i].ranks, rows[i].nodes}].push_back(i);
  }
  std::vector<bool> held(rows.size(), false);
  for (auto& [key, indices] : series) {
    std::stable_sort(indices.begin(), indices.end(),
                     [&rows](std::size_t a, std::size_t b) { return rows[a].bytes < rows[b].bytes; });
    for (std::size_t i = 0; i < indices.size(); ++i) held[indices[i]] = is_held_out(i, indices.size(), every);
  }
  return held;
}

MeasuredCalibration calibrate_from_measured(const MeasuredKernels& kernels, const MeasuredCollectives& collectives,
                                            const DeviceProfile& base, const core::HardwareSpec& hw,
                                            const MeasuredCalibrationOptions& options) {
  MeasuredCalibration result;
  std::set<std::string> families;
  for (const MeasuredRowSource& s : kernels.sources) families.insert(s.family);
  result.families.assign(families.begin(), families.end());
  if (!options.hold_out_family.empty() && families.count(options.hold_out_family) == 0) {
    std::string known;
    for (const std::string& f : families) known += (known.empty() ? "" : ", ") + f;
    throw core::InputError("held-out family '" + options.hold_out_family + "' is not in " + kernels.profile.origin +
                           " (families: " + known + ")");
  }
  std::vector<bool> kernel_held;
  for (const MeasuredRowSource& s : kernels.sources) kernel_held.push_back(s.family == options.hold_out_family);
  if (std::find(kernel_held.begin(), kernel_held.end(), false) == kernel_held.end()) {
    throw core::InputError("holding out '" + options.hold_out_family + "' leaves no rows to fit in " +
                           kernels.profile.origin);
  }

  DeviceProfile profile = fit_curves(kernels, kernel_held, base, hw, options.max_knots, result.gemm_variable);
  EfficiencyCurve& gemm_compute = profile.of(OpClass::gemm).compute_efficiency;
  gemm_compute = extend_beyond_measured(gemm_compute, largest_measured_gemm(kernels, kernel_held, result.gemm_variable),
                                        base.of(OpClass::gemm).compute_efficiency);
  profile.of(OpClass::gemm).tile_model = fit_tiles(kernels, kernel_held, base, hw);
  // SpMM follows the extended curve, as a derived GPU's SpMM follows its source's
  // (device_derivation.cpp): over different size variables the two plateaus are
  // compared, and both are now the published large-GEMM regime.
  profile.of(OpClass::spmm) = base.of(OpClass::spmm);
  rescale_spmm_like_gemm(profile.of(OpClass::spmm), base.of(OpClass::gemm), profile.of(OpClass::gemm));
  std::vector<const ProfileRow*> elementwise_train;
  for (std::size_t i = 0; i < kernels.profile.rows.size(); ++i) {
    if (!kernel_held[i] && kernels.profile.rows[i].op_class == OpClass::elementwise) {
      elementwise_train.push_back(&kernels.profile.rows[i]);
    }
  }
  std::vector<const ProfileRow*> add_train;
  for (const ProfileRow* r : elementwise_train) {
    if (is_add(*r)) add_train.push_back(r);
  }
  fit_elementwise_class(profile.of(OpClass::elementwise), add_train, hw, options.max_knots);
  profile.of(OpClass::elementwise).table = fit_elementwise_kind_tables(elementwise_train, hw, options.kind_knots);

  const std::vector<bool> collective_held = collective_held_out_rows(collectives.rows, options.collective_holdout_every);
  std::vector<MeasuredCollective> collective_train;
  for (std::size_t i = 0; i < collectives.rows.size(); ++i) {
    if (!collective_held[i]) collective_train.push_back(collectives.rows[i]);
  }
  result.collective = fit_collective_profile(collective_train, base.collective, hw);
  profile.collective = result.collective.profile;

  result.groups = evaluate(kernels, kernel_held, collectives, collective_held, profile, hw);
  profile.device = base.device;
  profile.hardware = hw.id;
  profile.provenance = Provenance{};
  profile.provenance.source = "measured";
  profile.provenance.date = options.date;
  profile.provenance.data = options.data;
  HeldOutCheck check;
  check.family = options.hold_out_family;
  for (const GroupErrors& g : result.groups) {
    if (!g.fitted || g.held_out.count == 0) continue;
    check.errors[g.group] = {static_cast<std::int64_t>(g.held_out.count), g.held_out.median, g.held_out.p90};
  }
  profile.provenance.held_out = check;
  result.profile = std::move(profile);
  result.profile.notes = notes_of(result, kernels, base, hw, options);
  return result;
}

std::string measured_calibration_summary(const MeasuredCalibration& result) {
  std::string text;
  for (const GroupErrors& g : result.groups) {
    if (!text.empty()) text += "; ";
    text += g.group + ":";
    if (g.held_out.count > 0) {
      text += " held-out median " + format_percent(g.held_out.median) + " p90 " + format_percent(g.held_out.p90) +
              " (" + std::to_string(g.held_out.count) + " rows)";
    }
    if (g.train.count > 0) {
      text += (g.held_out.count > 0 ? "," : "") + std::string(" train median ") + format_percent(g.train.median) +
              " p90 " + format_percent(g.train.p90) + " (" + std::to_string(g.train.count) + " rows)";
    }
  }
  return text;
}

}  // namespace lcperf::cost
