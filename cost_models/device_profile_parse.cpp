// Strict reader of device profile JSON (format: cost_models/README.md).
#include <algorithm>
#include <string>

#include "cost_models/detail/op_json_detail.hpp"
#include "cost_models/detail/strict_json.hpp"
#include "cost_models/device_profile.hpp"

namespace lcperf::cost {

namespace {

using detail::Json;
using detail::ObjectReader;

// Which size variables a class's compute curve may use. Memory curves always use bytes:
// achieved HBM bandwidth depends on how much is streamed, whatever the op.
std::vector<SizeVariable> compute_variables(OpClass op_class) {
  switch (op_class) {
    case OpClass::gemm:
    case OpClass::spmm: return {SizeVariable::flops, SizeVariable::min_dim};
    case OpClass::attention_fwd:
    case OpClass::attention_bwd:
    case OpClass::attention_decode: return {SizeVariable::kv_len, SizeVariable::score_pairs, SizeVariable::flops};
    case OpClass::elementwise:
    case OpClass::memcpy: return {SizeVariable::flops};
  }
  return {};
}

bool is_attention(OpClass op_class) {
  return op_class == OpClass::attention_fwd || op_class == OpClass::attention_bwd ||
         op_class == OpClass::attention_decode;
}

void require(bool ok, ObjectReader& r, const std::string& key, const std::string& rule) {
  if (!ok) r.fail_at(key, rule);
}

EfficiencyCurve read_curve(const Json& value, const std::string& path, const std::string& origin,
                           const std::vector<SizeVariable>& allowed) {
  ObjectReader r(value, path, origin);
  EfficiencyCurve curve;
  const std::string size = r.string("size");
  const auto variable = parse_size_variable(size);
  if (!variable || std::find(allowed.begin(), allowed.end(), *variable) == allowed.end()) {
    std::string names;
    for (SizeVariable v : allowed) names += (names.empty() ? "\"" : ", \"") + std::string(to_string(v)) + "\"";
    r.fail_at("size", "expected one of " + names);
  }
  curve.variable = *variable;

  const Json& points = r.value("points");
  const std::string points_path = r.path_of("points");
  if (!points.is_array() || points.empty()) {
    detail::fail(origin, points_path, "expected a non-empty array of [size, efficiency] pairs");
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::string p = detail::index_path(points_path, i);
    if (!points[i].is_array() || points[i].size() != 2) detail::fail(origin, p, "expected [size, efficiency]");
    const double s = detail::expect_number(points[i][0], p + "[0]", origin);
    const double e = detail::expect_number(points[i][1], p + "[1]", origin);
    if (!(s > 0)) detail::fail(origin, p + "[0]", "size must be > 0");
    if (!curve.points.empty() && !(s > curve.points.back().size)) {
      detail::fail(origin, p + "[0]", "sizes must be strictly increasing");
    }
    if (!(e > 0 && e <= 1)) detail::fail(origin, p + "[1]", "efficiency must be in (0, 1]");
    curve.points.push_back({s, e});
  }
  r.finish();
  return curve;
}

std::vector<MeasuredPoint> read_table(const Json& value, const std::string& path, const std::string& origin,
                                      OpClass op_class) {
  if (!value.is_array()) detail::fail(origin, path, "expected an array of {\"shape\": {...}, \"time_s\": t}");
  std::vector<MeasuredPoint> table;
  for (std::size_t i = 0; i < value.size(); ++i) {
    ObjectReader r(value[i], detail::index_path(path, i), origin);
    MeasuredPoint point;
    point.shape = detail::op_from_json(r.value("shape"), r.path_of("shape"), origin, op_class);
    point.time_s = r.number("time_s");
    require(point.time_s > 0, r, "time_s", "must be > 0");
    r.finish();
    table.push_back(std::move(point));
  }
  return table;
}

OpClassProfile read_class(const Json& value, const std::string& path, const std::string& origin, OpClass op_class) {
  ObjectReader r(value, path, origin);
  OpClassProfile c;
  c.compute_efficiency =
      read_curve(r.value("compute_efficiency"), r.path_of("compute_efficiency"), origin, compute_variables(op_class));
  if (is_attention(op_class) && r.has("compute_efficiency_full_mask")) {
    c.compute_efficiency_full_mask = read_curve(r.value("compute_efficiency_full_mask"),
                                                r.path_of("compute_efficiency_full_mask"), origin,
                                                compute_variables(op_class));
  }
  c.memory_efficiency =
      read_curve(r.value("memory_efficiency"), r.path_of("memory_efficiency"), origin, {SizeVariable::bytes});
  c.min_latency_s = r.number("min_latency_s");
  require(c.min_latency_s >= 0, r, "min_latency_s", "must be >= 0");
  if (op_class == OpClass::spmm && r.has("extraction")) {
    ObjectReader x(r.value("extraction"), r.path_of("extraction"), origin);
    c.extraction.smem_bytes_per_s = x.number("smem_bytes_per_s");
    require(c.extraction.smem_bytes_per_s >= 0, x, "smem_bytes_per_s", "must be >= 0 (0 = ignore)");
    c.extraction.bank_conflict_factor = x.number("bank_conflict_factor");
    require(c.extraction.bank_conflict_factor >= 1, x, "bank_conflict_factor", "must be >= 1");
    c.extraction.n_tile = x.integer("n_tile");
    require(c.extraction.n_tile >= 1, x, "n_tile", "must be >= 1");
    x.finish();
  }
  if (r.has("table")) c.table = read_table(r.value("table"), r.path_of("table"), origin, op_class);
  r.finish();
  return c;
}

ProtocolConstants read_protocol(const Json& value, const std::string& path, const std::string& origin) {
  ObjectReader r(value, path, origin);
  ProtocolConstants p;
  p.base_latency_s = r.number("base_latency_s");
  p.intra_hop_latency_s = r.number("intra_hop_latency_s");
  p.inter_hop_latency_s = r.number("inter_hop_latency_s");
  require(p.base_latency_s >= 0, r, "base_latency_s", "must be >= 0");
  require(p.intra_hop_latency_s >= 0, r, "intra_hop_latency_s", "must be >= 0");
  require(p.inter_hop_latency_s >= 0, r, "inter_hop_latency_s", "must be >= 0");
  p.bus_efficiency = r.number("bus_efficiency");
  require(p.bus_efficiency > 0 && p.bus_efficiency <= 1, r, "bus_efficiency", "must be in (0, 1]");
  p.max_bus_bw_bytes_per_s = r.number_or("max_bus_bw_bytes_per_s", 0.0);
  require(p.max_bus_bw_bytes_per_s >= 0, r, "max_bus_bw_bytes_per_s", "must be >= 0 (0 = no cap)");
  r.finish();
  return p;
}

std::array<ProtocolConstants, 3> read_algorithm(const Json& value, const std::string& path,
                                                const std::string& origin) {
  ObjectReader r(value, path, origin);
  std::array<ProtocolConstants, 3> constants{};
  for (CollectiveProtocol p : kAllProtocols) {
    const std::string key(to_string(p));
    constants[static_cast<std::size_t>(p)] = read_protocol(r.value(key), r.path_of(key), origin);
  }
  r.finish();
  return constants;
}

CollectiveProfile read_collective(const Json& value, const std::string& path, const std::string& origin) {
  ObjectReader r(value, path, origin);
  CollectiveProfile c;
  c.nvlink_efficiency = r.number("nvlink_efficiency");
  require(c.nvlink_efficiency > 0 && c.nvlink_efficiency <= 1, r, "nvlink_efficiency", "must be in (0, 1]");
  c.net_efficiency = r.number("net_efficiency");
  require(c.net_efficiency > 0 && c.net_efficiency <= 1, r, "net_efficiency", "must be in (0, 1]");
  c.ring = read_algorithm(r.value("ring"), r.path_of("ring"), origin);
  c.tree = read_algorithm(r.value("tree"), r.path_of("tree"), origin);
  ObjectReader p2p(r.value("p2p"), r.path_of("p2p"), origin);
  c.p2p_intra_latency_s = p2p.number("intra_latency_s");
  require(c.p2p_intra_latency_s >= 0, p2p, "intra_latency_s", "must be >= 0");
  c.p2p_inter_latency_s = p2p.number("inter_latency_s");
  require(c.p2p_inter_latency_s >= 0, p2p, "inter_latency_s", "must be >= 0");
  p2p.finish();
  r.finish();
  return c;
}

Provenance read_provenance(const Json& value, const std::string& path, const std::string& origin) {
  ObjectReader r(value, path, origin);
  Provenance p;
  p.source = r.string("source");
  require(p.source == "datasheet+published anchors" || p.source == "measured", r, "source",
          "expected \"datasheet+published anchors\" or \"measured\"");
  p.date = r.string("date");
  p.driver = r.string_or("driver", "");
  p.cuda = r.string_or("cuda", "");
  if (r.has("libraries")) {
    ObjectReader libs(r.value("libraries"), r.path_of("libraries"), origin);
    for (const auto& item : r.value("libraries").items()) {
      p.libraries[item.key()] = libs.string(item.key());
    }
    libs.finish();
  }
  r.finish();
  return p;
}

}  // namespace

DeviceProfile parse_device_profile(std::string_view json_text, const std::string& origin) {
  const Json root = detail::parse_json_text(json_text, origin);
  ObjectReader r(root, "$", origin);
  DeviceProfile profile;
  profile.origin = origin;
  profile.format_version = static_cast<int>(r.integer("format_version"));
  require(profile.format_version == kDeviceProfileFormatVersion, r, "format_version",
          "unsupported version (this build reads " + std::to_string(kDeviceProfileFormatVersion) + ")");
  profile.device = r.string("device");
  profile.hardware = r.string("hardware");
  profile.notes = r.string_or("notes", "");
  profile.provenance = read_provenance(r.value("provenance"), r.path_of("provenance"), origin);
  for (OpClass c : kAllOpClasses) {
    const std::string key(to_string(c));
    profile.of(c) = read_class(r.value(key), r.path_of(key), origin, c);
  }
  profile.collective = read_collective(r.value("collective"), r.path_of("collective"), origin);
  r.finish();
  return profile;
}

}  // namespace lcperf::cost
