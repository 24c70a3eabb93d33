#include "cost_models/measured_table.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <variant>

#include "cost_models/roofline.hpp"

namespace lcperf::cost {

namespace {

// Keys closer than this in log2 count as the same size (absorbs rounding only).
constexpr double kSameKeyLog2 = 1e-9;

bool memory_bound_class(OpClass op_class) {
  return op_class == OpClass::attention_decode || op_class == OpClass::elementwise || op_class == OpClass::memcpy;
}

}  // namespace

std::string table_family(const core::OpPart& part) {
  if (const auto* g = std::get_if<core::GemmShape>(&part)) return std::string(core::to_string(g->dtype));
  if (const auto* s = std::get_if<core::SpmmShape>(&part)) return std::string(core::to_string(s->dtype));
  if (const auto* a = std::get_if<core::AttentionShape>(&part)) {
    return std::string(core::to_string(a->dtype)) + (a->mask == core::AttentionMask::causal ? "/causal" : "/full") +
           "/d" + std::to_string(a->head_dim);
  }
  if (const auto* e = std::get_if<core::ElementwiseShape>(&part)) return e->kind;
  return "";
}

std::string forward_family(const std::string& family) {
  constexpr std::string_view kBackward = "_bwd";
  const bool backward = family.size() > kBackward.size() && family.ends_with(kBackward);
  const std::string forward = backward ? family.substr(0, family.size() - kBackward.size()) : family;
  // LayerNorm is RMSNorm plus the mean: the same rows read and written, one more reduction.
  if (forward == "layernorm") return "rmsnorm";
  return backward ? forward : "";
}

double table_key(OpClass op_class, const core::OpPart& part) {
  return memory_bound_class(op_class) ? core::bytes_of(part) : core::flops_of(part);
}

MeasuredTable::MeasuredTable(OpClass op_class, const std::vector<MeasuredPoint>& points,
                             const core::HardwareSpec& hw)
    : op_class_(op_class), hw_(hw) {
  for (const MeasuredPoint& p : points) {
    const double key = table_key(op_class, p.shape);
    const double ideal = ideal_time_s(p.shape, hw);
    if (!(key > 0) || !(ideal > 0) || !(p.time_s > 0)) continue;  // nothing to scale from
    families_[table_family(p.shape)].push_back({std::log2(key), std::log(p.time_s / ideal), ideal});
  }
  for (auto& [family, entries] : families_) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.log2_key < b.log2_key; });
  }
}

// Several shapes can share a key (e.g. equal FLOPs, different aspect): use the one whose
// ideal time is closest to the query's, i.e. the most similar balance of work and bytes.
const MeasuredTable::Entry& MeasuredTable::closest_in_group(std::size_t first, std::size_t last,
                                                            const std::vector<Entry>& entries,
                                                            double ideal_s) const {
  std::size_t best = first;
  for (std::size_t i = first; i < last; ++i) {
    if (std::fabs(std::log(entries[i].ideal_s / ideal_s)) < std::fabs(std::log(entries[best].ideal_s / ideal_s))) {
      best = i;
    }
  }
  return entries[best];
}

std::optional<TableLookup> MeasuredTable::lookup(const core::OpPart& part) const {
  if (families_.empty()) return std::nullopt;  // most classes have no table: skip naming the family
  auto family = families_.find(table_family(part));
  if (family == families_.end()) family = families_.find(forward_family(table_family(part)));
  if (family == families_.end()) return std::nullopt;
  const double key = table_key(op_class_, part);
  const double ideal = ideal_time_s(part, hw_);
  if (!(key > 0) || !(ideal > 0)) return std::nullopt;

  const std::vector<Entry>& entries = family->second;
  const double x = std::log2(key);
  const auto key_less = [](const Entry& e, double v) { return e.log2_key < v; };
  const auto begin_same = std::lower_bound(entries.begin(), entries.end(), x - kSameKeyLog2, key_less);
  const auto end_same = std::lower_bound(entries.begin(), entries.end(), x + kSameKeyLog2, key_less);
  const auto index = [&](auto it) { return static_cast<std::size_t>(it - entries.begin()); };

  if (begin_same != end_same) {
    const Entry& e = closest_in_group(index(begin_same), index(end_same), entries, ideal);
    const bool exact = std::fabs(e.ideal_s - ideal) <= 1e-12 * ideal;
    return TableLookup{ideal * std::exp(e.log_slowdown), exact};
  }
  if (begin_same == entries.begin() || end_same == entries.end()) return std::nullopt;  // outside the range

  // Neighbouring key groups below and above the query.
  const double lo_key = (begin_same - 1)->log2_key;
  const double hi_key = end_same->log2_key;
  const auto lo_first = std::lower_bound(entries.begin(), entries.end(), lo_key - kSameKeyLog2, key_less);
  const auto hi_last = std::lower_bound(entries.begin(), entries.end(), hi_key + kSameKeyLog2, key_less);
  const Entry& lo = closest_in_group(index(lo_first), index(begin_same), entries, ideal);
  const Entry& hi = closest_in_group(index(end_same), index(hi_last), entries, ideal);
  const double t = (x - lo.log2_key) / (hi.log2_key - lo.log2_key);
  const double log_slowdown = lo.log_slowdown + t * (hi.log_slowdown - lo.log_slowdown);
  return TableLookup{ideal * std::exp(log_slowdown), false};
}

}  // namespace lcperf::cost
