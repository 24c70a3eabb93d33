#include "traces/serving_trace.hpp"

#include <cmath>

namespace lcperf::traces {

ServingStats serving_stats(const ServingTrace& trace) {
  ServingStats stats;
  const auto& requests = trace.requests;
  if (requests.empty()) return stats;
  stats.requests = static_cast<std::int64_t>(requests.size());
  stats.span_s = requests.back().arrival_s - requests.front().arrival_s;
  // n arrivals bound n - 1 gaps: this is the rate a renewal process with the trace's
  // mean gap would have, and it is exactly what serving_transform's rate scaling inverts.
  // A span of a few subnormal seconds (arrivals 0 and 1e-320) would give an infinite
  // rate; such a trace has no meaningful rate, like one whose arrivals all coincide.
  if (stats.span_s > 0.0) {
    const double rate = static_cast<double>(stats.requests - 1) / stats.span_s;
    if (std::isfinite(rate)) stats.rate_per_s = rate;
  }
  double prompt = 0.0;
  double output = 0.0;
  for (const ServingRequest& r : requests) {
    prompt += static_cast<double>(r.prompt_tokens);
    output += static_cast<double>(r.output_tokens);
  }
  stats.mean_prompt_tokens = prompt / static_cast<double>(stats.requests);
  stats.mean_output_tokens = output / static_cast<double>(stats.requests);
  return stats;
}

}  // namespace lcperf::traces
