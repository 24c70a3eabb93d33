#include "schedulers/serving/dcpp.hpp"

#include <algorithm>
#include <string>

#include "core/errors.hpp"

namespace lcperf::schedulers::serving {

namespace {

// The longest chunk starting at `start` whose time is within `target` (0 when even one
// token is over it).
std::int64_t longest_within(std::int64_t start, std::int64_t left, double target, const ChunkTime& time) {
  std::int64_t lo = 0;
  std::int64_t hi = left;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo + 1) / 2;
    if (time(start, mid) <= target) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

// Greedy chunks for a target time; empty when they would need more than `count`.
std::vector<std::int64_t> greedy(std::int64_t prompt, int count, double target, const ChunkTime& time) {
  std::vector<std::int64_t> chunks;
  for (std::int64_t start = 0; start < prompt;) {
    const std::int64_t c = longest_within(start, prompt - start, target, time);
    if (c == 0 || static_cast<int>(chunks.size()) == count) return {};
    chunks.push_back(c);
    start += c;
  }
  return chunks;
}

}  // namespace

double LinearAttentionCost::operator()(std::int64_t start, std::int64_t tokens) const {
  const double c = static_cast<double>(tokens);
  return per_token_s * c + per_pair_s * (c * static_cast<double>(start) + c * (c + 1) / 2);
}

std::vector<std::int64_t> fixed_chunks(std::int64_t prompt, std::int64_t chunk) {
  if (prompt <= 0 || chunk <= 0) throw core::InputError("fixed chunks: prompt and chunk must be > 0");
  std::vector<std::int64_t> chunks;
  for (std::int64_t start = 0; start < prompt; start += chunk) chunks.push_back(std::min(chunk, prompt - start));
  return chunks;
}

std::vector<std::int64_t> balanced_chunks(std::int64_t prompt, int count, const ChunkTime& time) {
  if (prompt <= 0 || count <= 0) throw core::InputError("balanced chunks: prompt and count must be > 0");
  // The whole prompt as one chunk always fits; shrink the target while the greedy split
  // still needs no more than `count` chunks.
  double hi = time(0, prompt);
  double lo = 0;
  std::vector<std::int64_t> best = {prompt};
  for (int i = 0; i < 60 && hi - lo > 1e-9 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    std::vector<std::int64_t> chunks = greedy(prompt, count, mid, time);
    if (chunks.empty()) {
      lo = mid;
    } else {
      hi = mid;
      best = std::move(chunks);
    }
  }
  return best;
}

std::vector<double> chunk_times(const std::vector<std::int64_t>& chunks, const ChunkTime& time) {
  std::vector<double> out;
  std::int64_t start = 0;
  for (std::int64_t c : chunks) {
    out.push_back(time(start, c));
    start += c;
  }
  return out;
}

PipelineTiming chunked_pipeline(const std::vector<double>& chunk_times_s, int stages) {
  if (stages <= 0) throw core::InputError("chunked pipeline: stages must be > 0");
  // done[s]: when stage s finished the previous chunk.
  std::vector<double> done(static_cast<std::size_t>(stages), 0.0);
  PipelineTiming t;
  for (double chunk : chunk_times_s) {
    const double stage_time = chunk / stages;
    double left_previous = 0;  // when this chunk left the stage before
    for (double& d : done) {
      d = std::max(d, left_previous) + stage_time;
      left_previous = d;
    }
    t.busy_s += stage_time;
  }
  t.makespan_s = done.back();
  t.bubble = t.makespan_s > 0 ? 1.0 - t.busy_s / t.makespan_s : 0.0;
  return t;
}

}  // namespace lcperf::schedulers::serving
