#include "schedulers/training/chunkflow_schedule.hpp"

#include <algorithm>
#include <numeric>
#include <set>

#include "core/errors.hpp"

namespace lcperf::schedulers::training {

bool keeps_activations(int index, int count, int k) { return index >= count - k; }

std::vector<ChunkStep> state_aware_chunk_schedule(const std::vector<int>& chunk_ids, int k) {
  if (k < 1) throw core::InputError("state-aware chunk scheduling needs K >= 1 (got " + std::to_string(k) + ")");
  if (chunk_ids.empty()) throw core::InputError("state-aware chunk scheduling needs at least one chunk");
  const int n = static_cast<int>(chunk_ids.size());
  const auto id = [&](int i) { return chunk_ids[static_cast<std::size_t>(i)]; };
  std::vector<ChunkStep> steps;
  for (int i = 0; i < n; ++i) steps.push_back(ChunkStep::forward(id(i), keeps_activations(i, n, k)));
  const int first_kept = std::max(0, n - k);
  for (int i = n - 1; i >= first_kept; --i) steps.push_back(ChunkStep::backward(id(i)));
  for (int i = first_kept - 1; i >= 0; --i) {  // descending: see the header
    steps.push_back(ChunkStep::reforward(id(i)));
    steps.push_back(ChunkStep::backward(id(i)));
  }
  return steps;
}

std::vector<ChunkStep> state_aware_chunk_schedule(int count, int k) {
  if (count < 1) throw core::InputError("state-aware chunk scheduling needs at least one chunk");
  std::vector<int> ids(static_cast<std::size_t>(count));
  std::iota(ids.begin(), ids.end(), 0);
  return state_aware_chunk_schedule(ids, k);
}

int max_activation_chunks(const std::vector<ChunkStep>& steps) {
  std::set<int> held;
  std::size_t most = 0;
  for (const ChunkStep& s : steps) {
    if (s.kind == ChunkStep::Kind::backward) {
      held.erase(s.chunk);
    } else if (s.kind == ChunkStep::Kind::reforward || s.keep_activations) {
      held.insert(s.chunk);
    }
    most = std::max(most, held.size());
  }
  return static_cast<int>(most);
}

std::string to_string(const std::vector<ChunkStep>& steps) {
  std::string text;
  for (const ChunkStep& s : steps) {
    if (!text.empty()) text += ' ';
    switch (s.kind) {
      case ChunkStep::Kind::forward: text += s.keep_activations ? 'F' : 'f'; break;
      case ChunkStep::Kind::reforward: text += 'R'; break;
      case ChunkStep::Kind::backward: text += 'B'; break;
    }
    text += std::to_string(s.chunk);
  }
  return text;
}

}  // namespace lcperf::schedulers::training
