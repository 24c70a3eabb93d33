#include "traces/memory_csv.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/memory_tag.hpp"
#include "traces/text_format.hpp"

namespace lcperf::traces {

std::string memory_csv(const core::RunRecords& records) {
  const auto& memory = records.memory;
  std::vector<std::size_t> order(memory.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(memory[a].time_s, memory[a].rank) < std::tie(memory[b].time_s, memory[b].rank);
  });

  std::string out = "time_s,rank,tag,delta_bytes,total_bytes\n";
  out.reserve(out.size() + memory.size() * 64);
  for (const std::size_t index : order) {
    const auto& event = memory[index];
    append_fixed(out, event.time_s, 9);
    out += ',' + std::to_string(event.rank) + ',';
    out += core::to_string(event.tag);  // tag names are plain identifiers: no quoting needed
    out += ',' + std::to_string(event.delta_bytes) + ',' + std::to_string(event.total_bytes) + '\n';
  }
  return out;
}

void write_memory_csv(const std::string& path, const core::RunRecords& records) {
  core::write_file_atomically(path, memory_csv(records));
}

}  // namespace lcperf::traces
