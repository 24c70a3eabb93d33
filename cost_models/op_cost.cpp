#include "cost_models/op_cost.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <variant>

#include "core/errors.hpp"
#include "cost_models/block_sparse_attention.hpp"
#include "cost_models/curve_beyond_measured.hpp"
#include "cost_models/gemm_tile_model.hpp"
#include "cost_models/index_build_walk.hpp"
#include "cost_models/op_checks.hpp"
#include "cost_models/roofline.hpp"
#include "cost_models/spmm_pipeline.hpp"

namespace lcperf::cost {

namespace {

const core::HardwareSpec& checked(const core::HardwareSpec& hw) {
  if (!(hw.hbm_bandwidth_bytes_per_s > 0)) {
    throw core::InputError("hardware '" + hw.id + "': hbm_bandwidth_bytes_per_s must be > 0 for the cost model");
  }
  if (!(hw.peak_bf16_flops > 0)) {
    throw core::InputError("hardware '" + hw.id + "': peak_bf16_flops must be > 0 for the cost model");
  }
  return hw;
}

const EfficiencyCurve& compute_curve(const OpClassProfile& profile, const core::OpPart& part) {
  const auto* a = std::get_if<core::AttentionShape>(&part);
  if (a != nullptr && a->mask == core::AttentionMask::full && profile.compute_efficiency_full_mask) {
    return *profile.compute_efficiency_full_mask;
  }
  return profile.compute_efficiency;
}

// Attention efficiency depends on each sequence's length (how long a tile's main loop
// runs), so a packed batch is priced sequence by sequence: each gets its share of the
// FLOPs at the efficiency of its own kv length.
double attention_per_sequence_s(const core::AttentionShape& a, const EfficiencyCurve& curve, double flops,
                                double peak) {
  const double total_pairs = core::attention_score_pairs(a);
  if (!(total_pairs > 0)) return 0.0;
  double seconds = 0;
  for (const core::AttentionSeq& s : a.seqs) {
    const double share = core::attention_score_pairs(s, a.mask) / total_pairs;
    if (share > 0) seconds += flops * share / (peak * curve.at(static_cast<double>(s.kv_len)));
  }
  return seconds;
}

double min_dim(const core::OpPart& part) {
  if (const auto* g = std::get_if<core::GemmShape>(&part)) return static_cast<double>(std::min({g->m, g->n, g->k}));
  if (const auto* s = std::get_if<core::SpmmShape>(&part)) return static_cast<double>(std::min({s->m, s->n, s->k}));
  return 0;
}

std::string collective_model_name(const CollectiveCost& c) {
  return "collective:" + std::string(to_string(c.algorithm)) + "/" + std::string(to_string(c.protocol));
}

}  // namespace

CostModel::CostModel(core::HardwareSpec hw, DeviceProfile profile, double inter_node_bytes_per_s_per_gpu)
    : hw_(std::move(hw)),
      profile_(std::move(profile)),
      collectives_(checked(hw_), profile_.collective, inter_node_bytes_per_s_per_gpu) {
  for (OpClass c : kAllOpClasses) {
    if (!profile_.of(c).table.empty()) tables_[index_of(c)] = MeasuredTable(c, profile_.of(c).table, hw_);
  }
}

double CostModel::compute_time_s(const OpClassProfile& profile, const core::OpPart& part, double flops) const {
  if (!(flops > 0)) return 0.0;
  const double peak = peak_flops_for(part, hw_);
  if (!(peak > 0)) {
    throw core::InputError("hardware '" + hw_.id + "': no peak FLOP/s for this op's precision");
  }
  if (const auto* a = std::get_if<core::AttentionShape>(&part); a != nullptr && a->sparse_block > 0) {
    const EfficiencyCurve& tiles = profile.compute_efficiency_full_mask ? *profile.compute_efficiency_full_mask
                                                                         : profile.compute_efficiency;
    // The GPU's shared-memory bandwidth is stated once, in the SpMM section (0 when absent).
    return block_sparse_attention_s(*a, tiles, flops, peak, profile_.of(OpClass::spmm).extraction.smem_bytes_per_s);
  }
  const EfficiencyCurve& curve = compute_curve(profile, part);
  switch (curve.variable) {
    case SizeVariable::kv_len:
      if (const auto* a = std::get_if<core::AttentionShape>(&part)) {
        return attention_per_sequence_s(*a, curve, flops, peak);
      }
      break;
    case SizeVariable::score_pairs:
      if (const auto* a = std::get_if<core::AttentionShape>(&part)) {
        return flops / (peak * curve.at(core::attention_score_pairs(*a)));
      }
      break;
    case SizeVariable::min_dim: return flops / (peak * curve.at(min_dim(part)));
    case SizeVariable::bytes: return flops / (peak * curve.at(core::bytes_of(part)));
    case SizeVariable::flops: break;
  }
  return flops / (peak * curve.at(flops));
}

// The serial index-building walk (index_build_walk.hpp) needs the SM count and clock;
// the profile states both once, in the SpmmExtraction section: its shared-memory
// bandwidth is 128 bytes per clock per SM (Ampere, Hopper).
double CostModel::index_build_walk(const core::ElementwiseShape& e) const {
  const SpmmExtraction& x = profile_.of(OpClass::spmm).extraction;
  if (x.sm_count <= 0 || !(x.smem_bytes_per_s > 0)) return 0.0;
  constexpr double kSmemBytesPerClockPerSm = 128;
  return index_build_walk_s(e, x.sm_count, x.smem_bytes_per_s / (kSmemBytesPerClockPerSm * x.sm_count));
}

OpCost CostModel::roofline(OpClass op_class, const core::OpPart& part, bool named) const {
  const OpClassProfile& profile = profile_.of(op_class);
  OpCost cost;
  cost.flops = core::flops_of(part);
  cost.bytes = core::bytes_of(part);
  const double compute = compute_time_s(profile, part, cost.flops);
  const double memory =
      cost.bytes > 0 ? cost.bytes / (hw_.hbm_bandwidth_bytes_per_s * profile.memory_efficiency.at(cost.bytes)) : 0.0;
  if (const auto* g = std::get_if<core::GemmShape>(&part); g != nullptr && profile.tile_model) {
    return tiled_gemm(*g, profile, cost, std::max({profile.min_latency_s, compute, memory}), named);
  }
  const auto* spmm = std::get_if<core::SpmmShape>(&part);
  if (spmm != nullptr && profile.extraction.sm_count > 0) {
    const SpmmPipelineCost p = *spmm_pipeline(*spmm);
    cost.time_s = p.time_s;
    if (named) cost.model = "roofline:spmm:" + p.bound;
    return cost;
  }
  // Without the pipeline: extraction overlaps HBM loads and MMAs perfectly.
  const double extraction = spmm != nullptr ? spmm_extraction_s(*spmm, profile.extraction) : 0.0;
  const auto* ew = std::get_if<core::ElementwiseShape>(&part);
  const double walk = ew != nullptr ? index_build_walk(*ew) : 0.0;

  const double work = std::max({compute, memory, extraction, walk});
  std::string_view bound = "latency";
  if (work > profile.min_latency_s) {
    bound = work == extraction ? "extraction" : (work == compute ? "compute" : (work == memory ? "memory" : "walk"));
  }
  cost.time_s = std::max(profile.min_latency_s, work);
  if (!named) return cost;
  const std::string_view op_class_name = to_string(op_class);
  cost.model.reserve(10 + op_class_name.size() + bound.size());
  cost.model.append("roofline:").append(op_class_name).append(":").append(bound);
  return cost;
}

// The tile model prices the GEMM up to the largest measured size; beyond it the price
// moves (geometrically, linear in log2 min(m, n, k)) to the compute curve's, whose last
// points are the published large-GEMM regime (curve_beyond_measured.hpp).
OpCost CostModel::tiled_gemm(const core::GemmShape& g, const OpClassProfile& profile, OpCost cost,
                             double curve_s, bool named) const {
  const GemmTileModel& tiles = *profile.tile_model;
  const GemmTileCost tiled = gemm_tile_cost(g, tiles, hw_.peak_flops(g.dtype), hw_.hbm_bandwidth_bytes_per_s);
  const EfficiencyCurve& curve = profile.compute_efficiency;
  const double curve_end =
      curve.points.empty() ? 0.0 : square_gemm_size(curve.points.back().size, curve.variable, SizeVariable::min_dim);
  const double w = gemm_handover_weight(static_cast<double>(std::min({g.m, g.n, g.k})), tiles.measured_min_dim,
                                        curve_end);
  cost.time_s = std::exp((1 - w) * std::log(tiled.plan.time_s) + w * std::log(curve_s));
  if (named) cost.model = std::string("roofline:gemm:") + (tiled.plan.compute_s >= tiled.plan.memory_s ? "compute" : "memory");
  return cost;
}

OpCost CostModel::cost(const core::OpPart& part, bool named) const {
  const auto op_class = op_class_of(part);
  if (const auto problem = op_part_problem(part)) {
    throw core::InputError("cost model: " + std::string(op_class ? to_string(*op_class) : "collective") + ": " +
                           *problem);
  }
  if (!op_class) {
    const auto& c = std::get<core::CollectiveShape>(part);
    const CollectiveCost cc = collective(c.kind, static_cast<double>(c.bytes), c.ranks, c.nodes);
    return OpCost{cc.time_s, 0.0, core::bytes_of(part), named ? collective_model_name(cc) : std::string()};
  }
  if (const auto hit = tables_[index_of(*op_class)].lookup(part)) {
    if (!named) return OpCost{hit->time_s, core::flops_of(part), core::bytes_of(part), {}};
    return OpCost{hit->time_s, core::flops_of(part), core::bytes_of(part),
                  "table:" + std::string(to_string(*op_class)) + (hit->exact ? ":exact" : ":interpolated")};
  }
  return roofline(*op_class, part, named);
}

// Each part is one kernel launched by the host on its own (no CUDA graph). Launches are
// asynchronous, so a kernel longer than the launch latency hides the next launch; a
// shorter one leaves the GPU waiting for the host, and the kernel costs the launch
// latency instead: the hardware's kernel_launch_latency_s is a floor per kernel.
double CostModel::time_s(const core::KernelOp& op) const {
  double total = 0;
  for (const core::OpPart& part : op.parts) total += std::max(time_s(part), hw_.kernel_launch_latency_s);
  return total;
}

std::optional<SpmmPipelineCost> CostModel::spmm_pipeline(const core::SpmmShape& shape) const {
  const OpClassProfile& profile = profile_.of(OpClass::spmm);
  if (profile.extraction.sm_count <= 0) return std::nullopt;
  const core::OpPart part{shape};
  if (const auto problem = op_part_problem(part)) throw core::InputError("cost model: spmm: " + *problem);
  auto stream_s = [&](double bytes) {
    return bytes / (hw_.hbm_bandwidth_bytes_per_s * profile.memory_efficiency.at(bytes));
  };
  const double mma = compute_time_s(profile, part, core::flops_of(part));
  return spmm_pipeline_cost(shape, profile.extraction, mma, profile.min_latency_s, stream_s);
}

CollectiveCost CostModel::collective(core::CollectiveKind kind, double bytes, int ranks, int nodes) const {
  return collectives_.collective(kind, bytes, ranks, nodes);
}

double CostModel::p2p_time_s(double bytes, bool intra_node) const { return collectives_.p2p_time_s(bytes, intra_node); }

double CostModel::memcpy_time_s(double bytes) const {
  if (!(bytes >= 0)) throw core::InputError("memcpy: bytes must be >= 0");
  core::ElementwiseShape copy;
  copy.kind = "memcpy";
  copy.elements = static_cast<std::int64_t>(bytes);
  copy.flops_per_element = 0.0;
  copy.bytes_per_element = 2.0;
  return cost(copy).time_s;
}

}  // namespace lcperf::cost
