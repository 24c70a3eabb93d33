// Device profile -> JSON, the inverse of device_profile_parse.cpp. `lcperf calibrate`
// writes its fitted profiles with this.
#include "cost_models/detail/op_json_detail.hpp"
#include "cost_models/device_profile.hpp"

namespace lcperf::cost {

namespace {

using Json = nlohmann::json;

Json curve_json(const EfficiencyCurve& curve) {
  Json points = Json::array();
  for (const CurvePoint& p : curve.points) points.push_back({p.size, p.efficiency});
  return {{"size", std::string(to_string(curve.variable))}, {"points", points}};
}

Json class_json(const OpClassProfile& c, OpClass op_class) {
  Json j = Json::object();
  j["compute_efficiency"] = curve_json(c.compute_efficiency);
  if (c.compute_efficiency_full_mask) j["compute_efficiency_full_mask"] = curve_json(*c.compute_efficiency_full_mask);
  j["memory_efficiency"] = curve_json(c.memory_efficiency);
  j["min_latency_s"] = c.min_latency_s;
  if (op_class == OpClass::spmm) {
    j["extraction"] = {{"smem_bytes_per_s", c.extraction.smem_bytes_per_s},
                       {"bank_conflict_factor", c.extraction.bank_conflict_factor},
                       {"n_tile", c.extraction.n_tile}};
    if (c.extraction.sm_count > 0) {
      j["extraction"]["sm_count"] = c.extraction.sm_count;
      j["extraction"]["blocks_per_sm"] = c.extraction.blocks_per_sm;
    }
  }
  if (c.tile_model) {
    const GemmTileModel& m = *c.tile_model;
    Json tiles = Json::array();
    for (const GemmTile& t : m.tiles) tiles.push_back({{"m", t.m}, {"n", t.n}, {"efficiency", t.efficiency}});
    j["tile_model"] = {{"sm_count", m.sm_count},
                       {"tiles", tiles},
                       {"k_overhead", m.k_overhead},
                       {"min_split_depth", m.min_split_depth},
                       {"memory_efficiency", m.memory_efficiency},
                       {"overlap_exponent", m.overlap_exponent},
                       {"latency_s", m.latency_s},
                       {"measured_min_dim", m.measured_min_dim}};
    if (m.stream_k_efficiency > 0) {
      j["tile_model"]["stream_k_efficiency"] = m.stream_k_efficiency;
      j["tile_model"]["stream_k_fixup_s"] = m.stream_k_fixup_s;
    }
  }
  if (!c.table.empty()) {
    Json table = Json::array();
    for (const MeasuredPoint& p : c.table) {
      table.push_back({{"shape", detail::op_to_json(p.shape, /*with_op_name=*/false)}, {"time_s", p.time_s}});
    }
    j["table"] = table;
  }
  return j;
}

Json protocol_json(const ProtocolConstants& p) {
  return {{"base_latency_s", p.base_latency_s},
          {"intra_hop_latency_s", p.intra_hop_latency_s},
          {"inter_hop_latency_s", p.inter_hop_latency_s},
          {"bus_efficiency", p.bus_efficiency},
          {"max_bus_bw_bytes_per_s", p.max_bus_bw_bytes_per_s}};
}

Json algorithm_json(const std::array<ProtocolConstants, 3>& constants) {
  Json j = Json::object();
  for (CollectiveProtocol p : kAllProtocols) {
    j[std::string(to_string(p))] = protocol_json(constants[static_cast<std::size_t>(p)]);
  }
  return j;
}

}  // namespace

std::string device_profile_to_json(const DeviceProfile& profile) {
  // ordered_json keeps the documented key order, which makes diffs of calibrated
  // profiles readable.
  nlohmann::ordered_json j;
  j["format_version"] = profile.format_version;
  j["device"] = profile.device;
  j["hardware"] = profile.hardware;
  j["notes"] = profile.notes;
  nlohmann::ordered_json provenance;
  provenance["source"] = profile.provenance.source;
  provenance["date"] = profile.provenance.date;
  provenance["driver"] = profile.provenance.driver;
  provenance["cuda"] = profile.provenance.cuda;
  provenance["libraries"] = profile.provenance.libraries;
  if (profile.provenance.host_speed_probe_s > 0) provenance["host_speed_probe_s"] = profile.provenance.host_speed_probe_s;
  if (const auto& d = profile.provenance.data) {
    provenance["data"] = {{"name", d->name}, {"commit", d->commit}, {"path", d->path}, {"gpu", d->gpu},
                          {"network", d->network}};
  }
  if (const auto& h = profile.provenance.held_out) {
    nlohmann::ordered_json errors = nlohmann::ordered_json::object();
    for (const auto& [group, e] : h->errors) errors[group] = {{"rows", e.rows}, {"median", e.median}, {"p90", e.p90}};
    provenance["held_out"] = {{"family", h->family}, {"errors", errors}};
  }
  if (const auto& d = profile.provenance.derived_from) provenance["derived_from"] = {{"device", d->from}, {"ratios", d->ratios}};
  j["provenance"] = provenance;
  for (OpClass c : kAllOpClasses) j[std::string(to_string(c))] = class_json(profile.of(c), c);
  const CollectiveProfile& col = profile.collective;
  nlohmann::ordered_json collective;
  collective["nvlink_efficiency"] = col.nvlink_efficiency;
  collective["net_efficiency"] = col.net_efficiency;
  collective["ring"] = algorithm_json(col.ring);
  collective["tree"] = algorithm_json(col.tree);
  collective["p2p"] = {{"intra_latency_s", col.p2p_intra_latency_s}, {"inter_latency_s", col.p2p_inter_latency_s}};
  j["collective"] = collective;
  return j.dump(2) + "\n";
}

}  // namespace lcperf::cost
