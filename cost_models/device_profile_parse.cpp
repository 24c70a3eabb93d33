// Strict reader of device profile JSON (format: cost_models/README.md).
#include <algorithm>
#include <string>

#include "core/json_location.hpp"
#include "core/strict_json.hpp"
#include "cost_models/detail/op_json_detail.hpp"
#include "cost_models/device_profile.hpp"

namespace lcperf::cost {

namespace {

using Json = nlohmann::json;

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

void require(bool ok, const core::ObjectReader& r, std::string_view key, const std::string& rule) {
  if (!ok) r.fail(key, rule);
}

EfficiencyCurve read_curve(core::ObjectReader r, const std::vector<SizeVariable>& allowed) {
  EfficiencyCurve curve;
  const std::string size = r.string("size");
  const auto variable = parse_size_variable(size);
  if (!variable || std::find(allowed.begin(), allowed.end(), *variable) == allowed.end()) {
    std::string names;
    for (SizeVariable v : allowed) names += (names.empty() ? "\"" : ", \"") + std::string(to_string(v)) + "\"";
    r.fail("size", "expected one of " + names);
  }
  curve.variable = *variable;

  const Json& points = r.raw("points");
  const std::string points_path = r.path_of("points");
  const std::string& origin = r.origin();
  if (!points.is_array() || points.empty()) {
    core::throw_at(origin, points_path,
                   "expected a non-empty array of [size, efficiency] pairs, got " + core::describe_json(points));
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::string p = core::index_path(points_path, i);
    if (!points[i].is_array() || points[i].size() != 2) core::throw_at(origin, p, "expected [size, efficiency]");
    const double s = detail::number_at(points[i][0], origin, p + "[0]");
    const double e = detail::number_at(points[i][1], origin, p + "[1]");
    if (!(s > 0)) core::throw_at(origin, p + "[0]", "size must be > 0");
    if (!curve.points.empty() && !(s > curve.points.back().size)) {
      core::throw_at(origin, p + "[0]", "sizes must be strictly increasing");
    }
    if (!(e > 0 && e <= 1)) core::throw_at(origin, p + "[1]", "efficiency must be in (0, 1]");
    curve.points.push_back({s, e});
  }
  r.finish();
  return curve;
}

std::vector<MeasuredPoint> read_table(core::ObjectReader& r, OpClass op_class) {
  std::vector<MeasuredPoint> table;
  for (core::ObjectReader& entry : r.objects("table")) {
    MeasuredPoint point;
    core::ObjectReader shape = entry.object("shape");
    point.shape = detail::op_from_json(shape, op_class);
    point.time_s = entry.number("time_s");
    require(point.time_s > 0, entry, "time_s", "must be > 0");
    entry.finish();
    table.push_back(std::move(point));
  }
  return table;
}

GemmTileModel read_tile_model(core::ObjectReader r) {
  GemmTileModel m;
  m.sm_count = r.int32("sm_count", core::Range::at_least(1));
  for (core::ObjectReader t : r.objects("tiles")) {
    GemmTile tile;
    tile.m = t.integer("m");
    require(tile.m >= 1, t, "m", "must be >= 1");
    tile.n = t.integer("n");
    require(tile.n >= 1, t, "n", "must be >= 1");
    tile.efficiency = t.number("efficiency");
    require(tile.efficiency > 0 && tile.efficiency <= 1, t, "efficiency", "must be in (0, 1]");
    t.finish();
    m.tiles.push_back(tile);
  }
  require(!m.tiles.empty(), r, "tiles", "must hold at least one tile shape");
  m.k_overhead = r.number("k_overhead");
  require(m.k_overhead >= 0, r, "k_overhead", "must be >= 0");
  m.min_split_depth = r.integer("min_split_depth");
  require(m.min_split_depth >= 1, r, "min_split_depth", "must be >= 1");
  m.memory_efficiency = r.number("memory_efficiency");
  require(m.memory_efficiency > 0 && m.memory_efficiency <= 1, r, "memory_efficiency", "must be in (0, 1]");
  m.overlap_exponent = r.number("overlap_exponent");
  require(m.overlap_exponent >= 1, r, "overlap_exponent", "must be >= 1");
  m.latency_s = r.number("latency_s");
  require(m.latency_s >= 0, r, "latency_s", "must be >= 0");
  // Absent in profiles fitted before stream-K kernels were modelled: none.
  m.stream_k_efficiency = r.number_or("stream_k_efficiency", 0.0);
  require(m.stream_k_efficiency >= 0 && m.stream_k_efficiency <= 1, r, "stream_k_efficiency", "must be in [0, 1]");
  m.stream_k_fixup_s = r.number_or("stream_k_fixup_s", 0.0);
  require(m.stream_k_fixup_s >= 0, r, "stream_k_fixup_s", "must be >= 0");
  m.measured_min_dim = r.number("measured_min_dim");
  require(m.measured_min_dim >= 0, r, "measured_min_dim", "must be >= 0");
  r.finish();
  return m;
}

OpClassProfile read_class(core::ObjectReader r, OpClass op_class) {
  OpClassProfile c;
  c.compute_efficiency = read_curve(r.object("compute_efficiency"), compute_variables(op_class));
  // Only attention classes may give a separate full-mask curve, only spmm an extraction
  // cost; elsewhere those keys stay unknown, so finish() rejects them.
  if (is_attention(op_class) && r.find("compute_efficiency_full_mask") != nullptr) {
    c.compute_efficiency_full_mask = read_curve(r.object("compute_efficiency_full_mask"), compute_variables(op_class));
  }
  c.memory_efficiency = read_curve(r.object("memory_efficiency"), {SizeVariable::bytes});
  c.min_latency_s = r.number("min_latency_s");
  require(c.min_latency_s >= 0, r, "min_latency_s", "must be >= 0");
  if (op_class == OpClass::spmm && r.find("extraction") != nullptr) {
    core::ObjectReader x = r.object("extraction");
    c.extraction.smem_bytes_per_s = x.number("smem_bytes_per_s");
    require(c.extraction.smem_bytes_per_s >= 0, x, "smem_bytes_per_s", "must be >= 0 (0 = ignore)");
    c.extraction.bank_conflict_factor = x.number("bank_conflict_factor");
    require(c.extraction.bank_conflict_factor >= 1, x, "bank_conflict_factor", "must be >= 1");
    c.extraction.n_tile = x.integer("n_tile");
    require(c.extraction.n_tile >= 1, x, "n_tile", "must be >= 1");
    c.extraction.sm_count = x.int32_or("sm_count", 0, core::Range::at_least(0));
    c.extraction.blocks_per_sm = x.int32_or("blocks_per_sm", 2, core::Range::at_least(1));
    x.finish();
  }
  if (op_class == OpClass::gemm && r.find("tile_model") != nullptr) c.tile_model = read_tile_model(r.object("tile_model"));
  if (r.find("table") != nullptr) c.table = read_table(r, op_class);
  r.finish();
  return c;
}

ProtocolConstants read_protocol(core::ObjectReader r) {
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

std::array<ProtocolConstants, 3> read_algorithm(core::ObjectReader r) {
  std::array<ProtocolConstants, 3> constants{};
  for (CollectiveProtocol p : kAllProtocols) {
    constants[static_cast<std::size_t>(p)] = read_protocol(r.object(to_string(p)));
  }
  r.finish();
  return constants;
}

CollectiveProfile read_collective(core::ObjectReader r) {
  CollectiveProfile c;
  c.nvlink_efficiency = r.number("nvlink_efficiency");
  require(c.nvlink_efficiency > 0 && c.nvlink_efficiency <= 1, r, "nvlink_efficiency", "must be in (0, 1]");
  c.net_efficiency = r.number("net_efficiency");
  require(c.net_efficiency > 0 && c.net_efficiency <= 1, r, "net_efficiency", "must be in (0, 1]");
  c.ring = read_algorithm(r.object("ring"));
  c.tree = read_algorithm(r.object("tree"));
  core::ObjectReader p2p = r.object("p2p");
  c.p2p_intra_latency_s = p2p.number("intra_latency_s");
  require(c.p2p_intra_latency_s >= 0, p2p, "intra_latency_s", "must be >= 0");
  c.p2p_inter_latency_s = p2p.number("inter_latency_s");
  require(c.p2p_inter_latency_s >= 0, p2p, "inter_latency_s", "must be >= 0");
  p2p.finish();
  r.finish();
  return c;
}

MeasuredData read_measured_data(core::ObjectReader r) {
  MeasuredData d;
  d.name = r.string("name");
  d.commit = r.string("commit");
  d.path = r.string_or("path", "");
  d.gpu = r.string_or("gpu", "");
  d.network = r.string_or("network", "");
  r.finish();
  return d;
}

// Calls read(member_reader, name) for every member of the optional object `key`, whose
// names are free (groups, library names, ratio names); the reader checks each value.
template <typename Read>
void for_each_member(core::ObjectReader& r, std::string_view key, Read&& read) {
  const Json* object = r.find(key);
  if (object == nullptr) return;
  core::ObjectReader members(*object, r.origin(), r.path_of(key));
  for (const auto& item : object->items()) read(members, item.key());
  members.finish();
}

HeldOutCheck read_held_out(core::ObjectReader r) {
  HeldOutCheck h;
  h.family = r.string("family");
  for_each_member(r, "errors", [&h](core::ObjectReader& groups, const std::string& group) {
    core::ObjectReader e = groups.object(group);
    ErrorFigures& f = h.errors[group];
    f.rows = e.integer("rows", core::Range::non_negative());
    f.median = e.number("median", core::Range::non_negative());
    f.p90 = e.number("p90", core::Range::non_negative());
    e.finish();
  });
  r.finish();
  return h;
}

Derivation read_derivation(core::ObjectReader r) {
  Derivation d;
  d.from = r.string("device");
  for_each_member(r, "ratios", [&d](core::ObjectReader& ratios, const std::string& name) {
    d.ratios[name] = ratios.number(name, core::Range::positive());
  });
  r.finish();
  return d;
}

Provenance read_provenance(core::ObjectReader r) {
  Provenance p;
  p.source = r.choice("source", {"datasheet+published anchors", "measured", "derived"});
  p.date = r.string("date");
  p.driver = r.string_or("driver", "");
  p.cuda = r.string_or("cuda", "");
  // Free-form library versions: every member must be a string.
  for_each_member(r, "libraries", [&p](core::ObjectReader& libraries, const std::string& name) {
    p.libraries[name] = libraries.string(name);
  });
  p.host_speed_probe_s = r.number_or("host_speed_probe_s", 0.0, core::Range::non_negative());
  if (auto data = r.object_if_present("data")) p.data = read_measured_data(*data);
  if (auto held_out = r.object_if_present("held_out")) p.held_out = read_held_out(*held_out);
  if (auto derived = r.object_if_present("derived_from")) p.derived_from = read_derivation(*derived);
  if (p.source == "derived" && !p.derived_from) {
    core::throw_at(r.origin(), r.path_of("derived_from"), "a derived profile names the profile it was derived from");
  }
  r.finish();
  return p;
}

}  // namespace

DeviceProfile parse_device_profile(std::string_view json_text, const std::string& origin) {
  const Json root = core::parse_json(json_text, origin);
  core::ObjectReader r(root, origin);
  DeviceProfile profile;
  profile.origin = origin;
  profile.format_version = r.int32("format_version");
  require(profile.format_version == kDeviceProfileFormatVersion, r, "format_version",
          "unsupported version (this build reads " + std::to_string(kDeviceProfileFormatVersion) + ")");
  profile.device = r.string("device");
  profile.hardware = r.string("hardware");
  profile.notes = r.string_or("notes", "");
  profile.provenance = read_provenance(r.object("provenance"));
  for (OpClass c : kAllOpClasses) profile.of(c) = read_class(r.object(to_string(c)), c);
  profile.collective = read_collective(r.object("collective"));
  r.finish();
  return profile;
}

}  // namespace lcperf::cost
