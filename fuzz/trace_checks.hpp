#pragma once
// The promises a serving trace makes once a reader accepted it (traces/serving_readers.hpp),
// checked on every trace a fuzz target reads: a reader that lets a NaN arrival, an
// unsorted trace or an out-of-range token count through has accepted bad input silently,
// which is worse than a crash. A broken promise aborts, so it is reported as a crash.
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>

#include "traces/serving_readers.hpp"
#include "traces/serving_trace.hpp"

namespace lcperf::fuzz {

inline void broken_promise(const std::string& what) {
  std::cerr << "fuzz: a trace reader accepted a trace that breaks its promise: " << what << "\n";
  std::abort();
}

inline void check_trace_promises(const traces::ServingTrace& trace) {
  constexpr std::int64_t kMaxTokens = std::int64_t{1} << 40;
  if (trace.requests.empty()) broken_promise("no request left, yet no error");
  double previous = 0.0;
  for (const traces::ServingRequest& r : trace.requests) {
    if (!std::isfinite(r.arrival_s) || r.arrival_s < 0.0) broken_promise("arrival " + std::to_string(r.arrival_s));
    if (r.arrival_s < previous) broken_promise("arrivals out of order");
    previous = r.arrival_s;
    if (r.prompt_tokens < 1 || r.prompt_tokens > kMaxTokens) broken_promise("prompt tokens " + std::to_string(r.prompt_tokens));
    if (r.output_tokens < 1 || r.output_tokens > kMaxTokens) broken_promise("output tokens " + std::to_string(r.output_tokens));
  }
  const traces::ServingStats stats = traces::serving_stats(trace);
  if (!std::isfinite(stats.span_s) || !std::isfinite(stats.rate_per_s)) broken_promise("non-finite trace statistics");
}

// Reads `text` with `reader` twice, strictly and skipping corrupt rows, as
// `workload.skip_corrupt` allows both.
template <typename Reader>
void read_both_ways(Reader&& reader, std::string_view text, const std::string& origin) {
  for (const bool skip : {false, true}) {
    traces::ServingReadOptions options;
    options.skip_corrupt = skip;
    traces::ServingReadCounts counts;
    check_trace_promises(reader(text, origin, options, &counts));
  }
}

}  // namespace lcperf::fuzz
