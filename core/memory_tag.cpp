#include "core/memory_tag.hpp"

#include <array>

namespace lcperf::core {

namespace {
constexpr std::array<std::string_view, kMemoryTagCount> kNames = {
    "weights", "gradients", "optimizer", "activations", "kv_cache", "workspace", "comm_buffer", "other"};
}

std::string_view to_string(MemoryTag tag) { return kNames[static_cast<std::size_t>(tag)]; }

std::optional<MemoryTag> parse_memory_tag(std::string_view text) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == text) return static_cast<MemoryTag>(i);
  }
  return std::nullopt;
}

}  // namespace lcperf::core
