#pragma once
// What a piece of device memory holds; the memory tracker reports peaks per tag.
#include <optional>
#include <string_view>

namespace lcperf::core {

enum class MemoryTag { weights, gradients, optimizer, activations, kv_cache, workspace, comm_buffer, other };
inline constexpr int kMemoryTagCount = 8;

std::string_view to_string(MemoryTag tag);
std::optional<MemoryTag> parse_memory_tag(std::string_view text);

}  // namespace lcperf::core
