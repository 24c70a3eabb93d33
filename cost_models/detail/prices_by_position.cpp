#include "cost_models/detail/prices_by_position.hpp"

#include <cstdint>
#include <variant>

#include "cost_models/detail/same_part.hpp"

namespace lcperf::cost::detail {

namespace {

// A part's kind and size, cheaper than its full hash (a signature only picks a layout).
std::uint64_t size_of(const core::OpPart& part) {
  if (const auto* g = std::get_if<core::GemmShape>(&part)) {
    return static_cast<std::uint64_t>(g->m) ^ static_cast<std::uint64_t>(g->n) << 21 ^
           static_cast<std::uint64_t>(g->k) << 42;
  }
  if (const auto* e = std::get_if<core::ElementwiseShape>(&part)) return static_cast<std::uint64_t>(e->elements);
  if (const auto* c = std::get_if<core::CollectiveShape>(&part)) return static_cast<std::uint64_t>(c->bytes);
  if (const auto* a = std::get_if<core::AttentionShape>(&part)) return a->seqs.size();
  return 0;
}

std::size_t signature_of(const core::KernelOp& op) {
  constexpr std::uint64_t kMix = 0x9e3779b97f4a7c15ull;
  std::uint64_t s = op.parts.size();
  if (op.parts.empty()) return s;
  for (const core::OpPart* part : {&op.parts.front(), &op.parts.back()}) {
    s = (s * kMix) ^ part->index();
    s = (s * kMix) ^ size_of(*part);
  }
  return s;
}

}  // namespace

PricesByPosition::Layout& PricesByPosition::layout_of(const core::KernelOp& op) {
  // The top bits of a multiplicative hash pick the place.
  const std::uint64_t mixed = static_cast<std::uint64_t>(signature_of(op)) * 0x9e3779b97f4a7c15ull;
  return layouts_[static_cast<std::size_t>(mixed >> 40) & (kLayouts - 1)];
}

const std::vector<Price>& PricesByPosition::prices(const core::KernelOp& op, const PartPrice& price_of) {
  Layout& l = layout_of(op);
  const std::size_t n = op.parts.size();
  if (l.parts.size() > n) {
    l.parts.resize(n);
    l.priced.resize(n);
  }
  std::size_t period = 0;  // parts per layer, once a repeat has been seen
  fresh_count_ = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const core::OpPart& part = op.parts[i];
    if (i < l.parts.size() && same_part(l.parts[i], part)) continue;
    const Price p = changed(l, part, i, period, price_of);
    if (i < l.parts.size()) {
      l.parts[i] = part;
      l.priced[i] = p;
    } else {
      l.parts.push_back(part);
      l.priced.push_back(p);
    }
  }
  return l.priced;
}

Price PricesByPosition::changed(Layout& l, const core::OpPart& part, std::size_t i, std::size_t& period,
                                const PartPrice& price_of) {
  if (period > 0 && i >= period && same_part(l.parts[i - period], part)) return l.priced[i - period];
  for (std::size_t k = 0; k < fresh_count_; ++k) {
    const std::size_t j = fresh_[k];
    if (same_part(l.parts[j], part)) {
      period = i - j;
      return l.priced[j];
    }
  }
  if (fresh_count_ < fresh_.size()) fresh_[fresh_count_++] = i;
  return price_of(part);
}

}  // namespace lcperf::cost::detail
