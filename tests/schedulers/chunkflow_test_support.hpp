#pragma once
// Shared by the ChunkFlow scheduler tests: a portable seeded generator, unit builders,
// and a tiny dependency-driven executor for per-stage step lists.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include "schedulers/training/chunk_unit.hpp"
#include "schedulers/training/chunkflow_schedule.hpp"

namespace lcperf::schedulers::training::test {

// Uniform integer in [lo, hi] from raw mt19937 output (whose sequence the standard fixes),
// so the randomised cases are the same on every standard library.
inline int draw(std::mt19937& rng, int lo, int hi) {
  return lo + static_cast<int>(rng() % static_cast<std::uint32_t>(hi - lo + 1));
}

// m standalone chunks of `tokens` tokens each, ids 0..m-1.
inline std::vector<ChunkUnit> equal_standalone_units(int m, std::int64_t tokens) {
  std::vector<ChunkUnit> units;
  for (int j = 0; j < m; ++j) {
    Chunk c;
    c.id = j;
    c.seq_lens = {tokens};
    c.seq_ids = {j};
    c.chunk_size = tokens;
    units.push_back({{c}});
  }
  return units;
}

struct Execution {
  bool completed = false;
  double makespan = 0.0;
};

// Runs every stage's steps in their order, each step as soon as its stage is free and
// its cross-stage input is there; p2p is free. Forward (kept or dropped) of chunk c on
// stage s waits for the forward of c on s-1; backward of c on s waits for the backward
// of c on s+1; a re-forward restarts from the stage input saved locally and waits for
// nothing else. `duration(step)` gives each step's time. Not completing = deadlock.
inline Execution execute(const std::vector<std::vector<ChunkStep>>& stages,
                         const std::function<double(const ChunkStep&)>& duration) {
  using Kind = ChunkStep::Kind;
  const int p = static_cast<int>(stages.size());
  std::map<std::tuple<int, int, int>, double> end;  // (forward? 0 : 1, stage, chunk) -> end time
  std::vector<std::size_t> next(stages.size(), 0);
  std::vector<double> free_at(stages.size(), 0.0);
  Execution result;
  for (bool progress = true; progress;) {
    progress = false;
    for (int s = 0; s < p; ++s) {
      const auto su = static_cast<std::size_t>(s);
      while (next[su] < stages[su].size()) {
        const ChunkStep& st = stages[su][next[su]];
        double ready = 0.0;
        if (st.kind == Kind::forward && s > 0) {
          auto it = end.find({0, s - 1, st.chunk});
          if (it == end.end()) break;
          ready = it->second;
        } else if (st.kind == Kind::backward && s < p - 1) {
          auto it = end.find({1, s + 1, st.chunk});
          if (it == end.end()) break;
          ready = it->second;
        }
        const double finish = std::max(ready, free_at[su]) + duration(st);
        if (st.kind != Kind::reforward) end[{st.kind == Kind::forward ? 0 : 1, s, st.chunk}] = finish;
        free_at[su] = finish;
        result.makespan = std::max(result.makespan, finish);
        ++next[su];
        progress = true;
      }
    }
  }
  result.completed = true;
  for (int s = 0; s < p; ++s) {
    if (next[static_cast<std::size_t>(s)] != stages[static_cast<std::size_t>(s)].size()) result.completed = false;
  }
  return result;
}

}  // namespace lcperf::schedulers::training::test
