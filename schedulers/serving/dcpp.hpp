#pragma once
// Dynamic chunked pipeline parallelism (DCPP) for long prefills, as BladeLLM describes it
// (shared/reference/qwen2.5-1m.md §4.3): a prompt is prefilled chunk by chunk through p
// pipeline stages; a chunk's attention grows with the tokens before it, so equal-size
// chunks take unequal time and the pipeline idles behind the slow late chunks. DCPP
// sizes chunks so each takes about the same time. Pure functions, no runtime.
//
// Pipeline model: chunk k takes t_k in total, t_k / p on each stage (layers split
// evenly); chunks enter in order, a stage runs one chunk at a time, and chunk k may run
// on stage s once it has left stage s-1 and chunk k-1 has left stage s (its KV is
// there). Bubble = the fraction of stage time spent idle before the last chunk ends.
#include <cstdint>
#include <functional>
#include <vector>

namespace lcperf::schedulers::serving {

// Time of a chunk of `tokens` tokens whose first token is at position `start` (all
// stages together). Must grow with `tokens` and not shrink with `start`.
using ChunkTime = std::function<double(std::int64_t start, std::int64_t tokens)>;

// The closed form the reference sketches: a per-token linear part plus causal attention
// over the chunk's pairs (c·start + c(c+1)/2).
struct LinearAttentionCost {
  double per_token_s = 0;
  double per_pair_s = 0;
  double operator()(std::int64_t start, std::int64_t tokens) const;
};

// Chunks of `chunk` tokens, the last one shorter. InputError for bad sizes.
std::vector<std::int64_t> fixed_chunks(std::int64_t prompt, std::int64_t chunk);

// At most `count` chunks covering the prompt whose longest time is as small as
// possible: bisection on the target time, each chunk the longest that fits it. With a
// monotone cost this equalises the chunk times (later chunks are shorter).
std::vector<std::int64_t> balanced_chunks(std::int64_t prompt, int count, const ChunkTime& time);

std::vector<double> chunk_times(const std::vector<std::int64_t>& chunks, const ChunkTime& time);

struct PipelineTiming {
  double makespan_s = 0;
  double busy_s = 0;  // per stage: sum of the chunks' stage times
  double bubble = 0;  // 1 - busy / makespan
};

// The pipeline model above, by the stage-by-stage recurrence.
PipelineTiming chunked_pipeline(const std::vector<double>& chunk_times_s, int stages);

}  // namespace lcperf::schedulers::serving
