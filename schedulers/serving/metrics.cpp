#include "schedulers/serving/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lcperf::schedulers::serving {

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return values[lo] + (values[hi] - values[lo]) * frac;
}

Percentiles percentiles(const std::vector<double>& values) {
  Percentiles out;
  if (values.empty()) return out;
  out.p50 = percentile(values, 50);
  out.p90 = percentile(values, 90);
  out.p99 = percentile(values, 99);
  double sum = 0;
  for (double v : values) sum += v;
  out.mean = sum / static_cast<double>(values.size());
  return out;
}

ServingSummary summarize(const std::vector<RequestMetrics>& requests, const std::vector<EngineCounters>& instances) {
  ServingSummary s;
  s.requests = static_cast<int>(requests.size());
  std::vector<double> ttft, tpot, e2e, queueing;
  double first_arrival = std::numeric_limits<double>::infinity();
  double last_finish = -std::numeric_limits<double>::infinity();
  std::int64_t all_tokens = 0;
  std::int64_t output_tokens = 0;
  for (const RequestMetrics& r : requests) {
    first_arrival = std::min(first_arrival, r.arrival_s);
    if (r.rejected) {
      ++s.rejected;
      continue;
    }
    if (r.finish_s < 0) continue;  // not finished (a run cut short)
    ++s.completed;
    last_finish = std::max(last_finish, r.finish_s);
    all_tokens += r.prompt + r.output;
    output_tokens += r.output;
    ttft.push_back(r.first_token_s - r.arrival_s);
    e2e.push_back(r.finish_s - r.arrival_s);
    queueing.push_back(r.first_scheduled_s - r.arrival_s);
    if (r.output > 1) tpot.push_back((r.finish_s - r.first_token_s) / static_cast<double>(r.output - 1));
  }
  if (s.completed > 0) s.duration_s = last_finish - first_arrival;
  if (s.duration_s > 0) {
    s.throughput_tokens_per_s = static_cast<double>(all_tokens) / s.duration_s;
    s.output_tokens_per_s = static_cast<double>(output_tokens) / s.duration_s;
  }
  s.ttft_s = percentiles(ttft);
  s.tpot_s = percentiles(tpot);
  s.e2e_s = percentiles(e2e);
  s.queueing_s = percentiles(queueing);
  for (const EngineCounters& c : instances) {
    s.preemptions += c.preemptions;
    s.max_context_tokens = std::max(s.max_context_tokens, c.max_context_tokens);
    s.peak_kv_bytes = std::max(s.peak_kv_bytes, c.peak_kv_bytes);
  }
  return s;
}

}  // namespace lcperf::schedulers::serving
