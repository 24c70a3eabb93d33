#pragma once
// An element-wise op part from its kind and per-element work, the one constructor the
// kernel decompositions share (layer_ops.cpp, qwen1m_attention.cpp, cp_ring_attention.cpp,
// cross_entropy_parts.cpp).
#include <cstdint>
#include <string>
#include <utility>

#include "core/ops.hpp"

namespace lcperf::core {

inline ElementwiseShape elementwise_part(std::string kind, std::int64_t elements, double flops_per_element,
                                         double bytes_per_element) {
  ElementwiseShape e;
  e.kind = std::move(kind);
  e.elements = elements;
  e.flops_per_element = flops_per_element;
  e.bytes_per_element = bytes_per_element;
  return e;
}

// A named element-wise kernel's work per element, for tables of constexpr costs.
struct ElementwiseCost {
  const char* kind;
  double flops;
  double bytes;
};

inline ElementwiseShape elementwise_part(const ElementwiseCost& cost, std::int64_t elements) {
  return elementwise_part(cost.kind, elements, cost.flops, cost.bytes);
}

}  // namespace lcperf::core
