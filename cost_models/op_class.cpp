#include "cost_models/op_class.hpp"

#include <variant>

namespace lcperf::cost {

std::string_view to_string(OpClass op_class) {
  switch (op_class) {
    case OpClass::gemm: return "gemm";
    case OpClass::attention_fwd: return "attention_fwd";
    case OpClass::attention_bwd: return "attention_bwd";
    case OpClass::attention_decode: return "attention_decode";
    case OpClass::elementwise: return "elementwise";
    case OpClass::spmm: return "spmm";
    case OpClass::memcpy: return "memcpy";
  }
  return "?";
}

std::optional<OpClass> parse_op_class(std::string_view text) {
  for (OpClass c : kAllOpClasses) {
    if (to_string(c) == text) return c;
  }
  return std::nullopt;
}

bool is_memcpy(const core::ElementwiseShape& shape) { return shape.kind == "memcpy" || shape.kind == "copy"; }

std::optional<OpClass> op_class_of(const core::OpPart& part) {
  if (const auto* e = std::get_if<core::ElementwiseShape>(&part)) {
    return is_memcpy(*e) ? OpClass::memcpy : OpClass::elementwise;
  }
  if (std::holds_alternative<core::CollectiveShape>(part)) return std::nullopt;
  // The classes core::op_class_name names, without going through the name: the cost
  // model asks for every part it prices.
  if (std::holds_alternative<core::GemmShape>(part)) return OpClass::gemm;
  if (std::holds_alternative<core::SpmmShape>(part)) return OpClass::spmm;
  const auto& a = std::get<core::AttentionShape>(part);
  if (a.paged_decode) return OpClass::attention_decode;
  return a.backward ? OpClass::attention_bwd : OpClass::attention_fwd;
}

}  // namespace lcperf::cost
