#include "traces/serving_transform.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "traces/text_format.hpp"

namespace lcperf::traces {
namespace {

// The transformed trace keeps its name and records what was done in `source`, so a
// report shows that the replayed workload is not the file as published.
ServingTrace derived(const ServingTrace& trace, const std::string& step) {
  ServingTrace out;
  out.name = trace.name;
  out.source = trace.source + " | " + step;
  out.format = trace.format;
  return out;
}

}  // namespace

ServingTrace scale_time(const ServingTrace& trace, double factor) {
  if (!(factor > 0.0) || !std::isfinite(factor)) throw std::invalid_argument("scale_time: factor must be positive and finite");
  ServingTrace out = derived(trace, "time x" + shortest_text(factor));
  out.requests = trace.requests;
  for (ServingRequest& r : out.requests) r.arrival_s *= factor;
  return out;
}

ServingTrace scale_to_rate(const ServingTrace& trace, double target_rate_per_s) {
  if (!(target_rate_per_s > 0.0) || !std::isfinite(target_rate_per_s)) {
    throw std::invalid_argument("scale_to_rate: the target rate must be positive and finite");
  }
  const ServingStats stats = serving_stats(trace);
  if (stats.rate_per_s <= 0.0) throw std::invalid_argument("scale_to_rate: the trace needs two requests at different times to have a rate");
  ServingTrace out = scale_time(trace, stats.rate_per_s / target_rate_per_s);
  out.source = trace.source + " | rate " + shortest_text(target_rate_per_s) + "/s";
  return out;
}

ServingTrace truncate_to_count(const ServingTrace& trace, std::int64_t count) {
  if (count < 0) throw std::invalid_argument("truncate_to_count: count must not be negative");
  ServingTrace out = derived(trace, "first " + std::to_string(count));
  const std::size_t kept = std::min(trace.requests.size(), static_cast<std::size_t>(count));
  out.requests.assign(trace.requests.begin(), trace.requests.begin() + static_cast<std::ptrdiff_t>(kept));
  return out;
}

ServingTrace truncate_to_window(const ServingTrace& trace, double begin_s, double end_s) {
  if (!std::isfinite(begin_s) || !std::isfinite(end_s) || begin_s > end_s) {
    throw std::invalid_argument("truncate_to_window: need finite begin_s <= end_s");
  }
  ServingTrace out = derived(trace, "window [" + shortest_text(begin_s) + ", " + shortest_text(end_s) + ") s");
  for (const ServingRequest& r : trace.requests) {
    if (r.arrival_s < begin_s || r.arrival_s >= end_s) continue;
    out.requests.push_back(r);
    out.requests.back().arrival_s -= begin_s;
  }
  return out;
}

}  // namespace lcperf::traces
