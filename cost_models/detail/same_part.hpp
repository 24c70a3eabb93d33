#pragma once
// Internal to cost_models: part equality as OpPart's operator== decides it, written out
// per alternative. The price cache compares every part of every serving step with the
// part at its position in the previous step, and the generic variant comparison (a visit
// through a table per call) cost more than the rest of the pricing.
#include <cstddef>
#include <variant>

#include "core/ops.hpp"

namespace lcperf::cost::detail {

[[gnu::always_inline]] inline bool same_part(const core::OpPart& a, const core::OpPart& b) {
  if (a.index() != b.index()) return false;
  if (const auto* g = std::get_if<core::GemmShape>(&a)) {
    const auto& h = *std::get_if<core::GemmShape>(&b);
    return g->m == h.m && g->n == h.n && g->k == h.k && g->batch == h.batch && g->dtype == h.dtype &&
           g->accumulate_bytes == h.accumulate_bytes;
  }
  if (const auto* e = std::get_if<core::ElementwiseShape>(&a)) {
    const auto& f = *std::get_if<core::ElementwiseShape>(&b);
    if (e->elements != f.elements || e->flops_per_element != f.flops_per_element ||
        e->bytes_per_element != f.bytes_per_element || e->kind.size() != f.kind.size()) {
      return false;
    }
    // Kinds are a few characters: a plain loop beats a call to memcmp.
    for (std::size_t c = 0; c < e->kind.size(); ++c) {
      if (e->kind[c] != f.kind[c]) return false;
    }
    return true;
  }
  if (const auto* c = std::get_if<core::CollectiveShape>(&a)) {
    const auto& d = *std::get_if<core::CollectiveShape>(&b);
    return c->kind == d.kind && c->bytes == d.bytes && c->ranks == d.ranks && c->nodes == d.nodes;
  }
  return a == b;  // attention and SpMM: rarer, compared as the vocabulary defines
}

}  // namespace lcperf::cost::detail
