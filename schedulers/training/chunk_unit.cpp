#include "schedulers/training/chunk_unit.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "core/errors.hpp"

namespace lcperf::schedulers::training {

bool ChunkUnit::is_group() const { return !chunks.empty() && chunks.front().kind == Chunk::Kind::dependent; }

std::int64_t ChunkUnit::tokens() const {
  std::int64_t total = 0;
  for (const Chunk& c : chunks) total += c.tokens();
  return total;
}

std::vector<ChunkUnit> group_into_units(const std::vector<Chunk>& chunks) {
  std::vector<ChunkUnit> units;
  std::map<int, std::size_t> group_of_seq;  // sequence id -> its unit
  for (const Chunk& c : chunks) {
    if (c.kind == Chunk::Kind::standalone) {
      units.push_back({{c}});
      continue;
    }
    auto [it, fresh] = group_of_seq.try_emplace(c.seq_id, units.size());
    if (fresh) units.emplace_back();
    units[it->second].chunks.push_back(c);
  }
  for (auto& [seq, at] : group_of_seq) {
    auto& group = units[at].chunks;
    std::sort(group.begin(), group.end(), [](const Chunk& a, const Chunk& b) { return a.index < b.index; });
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (group[i].index != static_cast<int>(i) || group[i].count != static_cast<int>(group.size())) {
        throw core::InputError("sequence " + std::to_string(seq) + ": dependent chunks must be indices 0.." +
                               std::to_string(group[i].count - 1) + " once each (found index " +
                               std::to_string(group[i].index) + " at position " + std::to_string(i) + " of " +
                               std::to_string(group.size()) + ")");
      }
    }
  }
  return units;
}

}  // namespace lcperf::schedulers::training
