#include "schedulers/training/state_aware_1f1b.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "core/errors.hpp"

namespace lcperf::schedulers::training {

namespace {

// One backward item: a backward, or a re-forward with the backward it feeds.
struct BackwardItem {
  std::vector<ChunkStep> steps;
  int chunk = 0;
};

void check(int pp, int stage, const std::vector<ChunkUnit>& units, int k) {
  if (pp < 1 || stage < 0 || stage >= pp) {
    throw core::InputError("state-aware 1F1B needs pp >= 1 and 0 <= stage < pp (got pp=" + std::to_string(pp) +
                           ", stage=" + std::to_string(stage) + ")");
  }
  if (k < 1) throw core::InputError("state-aware 1F1B needs K >= 1 (got " + std::to_string(k) + ")");
  if (units.empty()) throw core::InputError("state-aware 1F1B needs at least one chunk");
  for (const ChunkUnit& u : units) {
    if (u.chunks.empty()) throw core::InputError("state-aware 1F1B: a unit has no chunks");
  }
}

}  // namespace

std::vector<ChunkStep> state_aware_1f1b_schedule(int pp, int stage, const std::vector<ChunkUnit>& units, int k) {
  check(pp, stage, units, k);
  std::vector<ChunkStep> forwards;
  std::vector<BackwardItem> items;
  for (const ChunkUnit& u : units) {
    std::vector<int> ids;
    for (const Chunk& c : u.chunks) ids.push_back(c.id);
    // A standalone unit is a one-chunk group: N = 1 <= K keeps it and backwards it once.
    const std::vector<ChunkStep> order = state_aware_chunk_schedule(ids, k);
    forwards.insert(forwards.end(), order.begin(), order.begin() + static_cast<std::ptrdiff_t>(ids.size()));
    for (auto it = order.begin() + static_cast<std::ptrdiff_t>(ids.size()); it != order.end(); ++it) {
      if (it->kind == ChunkStep::Kind::reforward) {
        items.push_back({{*it, *(it + 1)}, it->chunk});
        ++it;
      } else {
        items.push_back({{*it}, it->chunk});
      }
    }
  }
  std::map<int, std::size_t> forward_pos;
  for (std::size_t i = 0; i < forwards.size(); ++i) {
    if (!forward_pos.emplace(forwards[i].chunk, i).second) {
      throw core::InputError("state-aware 1F1B: chunk id " + std::to_string(forwards[i].chunk) + " appears twice");
    }
  }

  const std::size_t warmup = std::min(static_cast<std::size_t>(pp - stage - 1), forwards.size());
  std::vector<ChunkStep> steps;
  std::size_t next_forward = 0;
  std::size_t next_item = 0;
  const auto emit_item = [&] {
    const auto& item = items[next_item++].steps;
    steps.insert(steps.end(), item.begin(), item.end());
  };
  for (; next_forward < warmup; ++next_forward) steps.push_back(forwards[next_forward]);
  std::size_t credit = 0;
  while (next_forward < forwards.size()) {  // steady state
    steps.push_back(forwards[next_forward++]);
    ++credit;
    while (credit > 0 && next_item < items.size() && forward_pos.at(items[next_item].chunk) < next_forward) {
      emit_item();
      --credit;
    }
  }
  while (next_item < items.size()) emit_item();  // cool-down: every forward is out, all eligible
  return steps;
}

}  // namespace lcperf::schedulers::training
