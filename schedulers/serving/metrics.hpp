#pragma once
// Serving metrics as pure functions over per-request records, so the simulator, live
// backends and tests compute them the same way.
#include <cstdint>
#include <vector>

#include "schedulers/serving/prefix_cache.hpp"

namespace lcperf::schedulers::serving {

// One request's life. Times are the runtime's clock; -1 where the request never got
// there (a rejected request has only its arrival).
struct RequestMetrics {
  std::int64_t id = 0;
  double arrival_s = 0;
  double first_scheduled_s = -1;  // start of the step that ran its first prefill chunk
  double first_token_s = -1;      // end of the step that sampled its first token
  double finish_s = -1;           // end of the step that sampled its last token
  std::int64_t prompt = 0;
  std::int64_t output = 0;
  int preemptions = 0;
  std::int64_t cached_tokens = 0;  // prompt tokens its first admission found in the prefix cache
  bool rejected = false;  // could never fit the KV cache or the token budget
  // The instance whose engine produced its tokens (disaggregated: the decode instance;
  // one that never reached one: -1), and the one that ran its prefill (the same one
  // unless disaggregated). A rejected request keeps the instance that refused it.
  int instance = -1;
  int prefill_instance = -1;
};

// What only the engine knows, per instance (per TP rank of it).
struct EngineCounters {
  std::int64_t steps = 0;
  std::int64_t preemptions = 0;
  std::int64_t swap_out_bytes = 0;
  std::int64_t swap_in_bytes = 0;
  std::int64_t max_context_tokens = 0;  // longest KV context any step attended to
  std::int64_t peak_kv_bytes = 0;       // on one TP rank
  std::int64_t blocks_allocated = 0;    // cumulative device blocks, swaps included
  std::int64_t blocks_freed = 0;
  PrefixCacheStats prefix;  // all zero without prefix caching
};

struct Percentiles {
  double p50 = 0;
  double p90 = 0;
  double p95 = 0;
  double p99 = 0;
  double mean = 0;
  bool operator==(const Percentiles&) const = default;
};

// Linear interpolation between closest ranks (rank p/100 * (n-1) of the sorted values,
// numpy's default). All zero for an empty input.
double percentile(std::vector<double> values, double p);
// The same on values already sorted ascending (no copy).
double sorted_percentile(const std::vector<double>& sorted, double p);
Percentiles percentiles(std::vector<double> values);

// A latency's whole distribution: the percentiles (as `percentiles`), its largest value
// and a histogram with log-spaced bins, kLatencyBinsPerDecade per decade: bin k holds
// the values in (edge[k-1], edge[k]], edge[k] = kLatencyFirstEdgeS x 10^(k / bins per
// decade); the first bin holds everything up to kLatencyFirstEdgeS, the last one ends at
// the first edge >= the largest value. Counts add up to `count`; all empty for no values.
inline constexpr double kLatencyFirstEdgeS = 1e-5;
inline constexpr int kLatencyBinsPerDecade = 10;
struct LatencyDistribution {
  std::int64_t count = 0;
  Percentiles percentiles;
  double max = 0;
  std::vector<double> upper_edges_s;
  std::vector<std::int64_t> counts;
};
// Sorts `values` in place (pass a vector you can spare: a run's inter-token gaps).
LatencyDistribution latency_distribution(std::vector<double>& values);

struct ServingSummary {
  int requests = 0;
  int completed = 0;
  int rejected = 0;
  double duration_s = 0;  // first arrival to last finish
  // Prompt plus output tokens of completed requests per second of duration (the work
  // served); output_tokens_per_s counts generated tokens only.
  double throughput_tokens_per_s = 0;
  double output_tokens_per_s = 0;
  Percentiles ttft_s;      // first token - arrival
  Percentiles tpot_s;      // (finish - first token) / (output - 1), requests with output > 1
  Percentiles e2e_s;       // finish - arrival
  Percentiles queueing_s;  // first scheduled - arrival
  std::int64_t preemptions = 0;
  std::int64_t max_context_tokens = 0;  // max over instances
  std::int64_t peak_kv_bytes = 0;       // max over instances (a per-device peak, like memory peaks)
};

// Latencies cover completed requests only; `instances` holds one entry per instance.
ServingSummary summarize(const std::vector<RequestMetrics>& requests, const std::vector<EngineCounters>& instances);

}  // namespace lcperf::schedulers::serving
