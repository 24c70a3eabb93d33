#pragma once
// The op classes a device profile describes. A class groups kernels that share one
// efficiency behaviour: core::op_class_name() tells attention forward from backward and
// decode; we additionally split device-to-device copies off element-wise work, because
// a copy streams at a different fraction of HBM bandwidth than a norm or an activation.
#include <array>
#include <optional>
#include <string_view>

#include "core/ops.hpp"

namespace lcperf::cost {

enum class OpClass { gemm, attention_fwd, attention_bwd, attention_decode, elementwise, spmm, memcpy };

inline constexpr std::array<OpClass, 7> kAllOpClasses = {
    OpClass::gemm,        OpClass::attention_fwd, OpClass::attention_bwd, OpClass::attention_decode,
    OpClass::elementwise, OpClass::spmm,          OpClass::memcpy};

std::string_view to_string(OpClass op_class);
std::optional<OpClass> parse_op_class(std::string_view text);
constexpr std::size_t index_of(OpClass op_class) { return static_cast<std::size_t>(op_class); }

// An element-wise part whose kind is "memcpy" or "copy" is a device-to-device copy.
bool is_memcpy(const core::ElementwiseShape& shape);

// nullopt for collectives: those are priced by the collective model, not a roofline.
std::optional<OpClass> op_class_of(const core::OpPart& part);

}  // namespace lcperf::cost
