#include "schedulers/serving/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace lcperf::schedulers::serving {

double sorted_percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return sorted_percentile(values, p);
}

namespace {

// The mean is summed in the values' own order (before sorting), so it does not depend
// on how they were sorted.
double mean_of(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

Percentiles sorted_percentiles(const std::vector<double>& sorted, double mean) {
  Percentiles out;
  if (sorted.empty()) return out;
  out.p50 = sorted_percentile(sorted, 50);
  out.p90 = sorted_percentile(sorted, 90);
  out.p95 = sorted_percentile(sorted, 95);
  out.p99 = sorted_percentile(sorted, 99);
  out.mean = mean;
  return out;
}

double latency_edge_s(int bin) {
  return kLatencyFirstEdgeS * std::pow(10.0, static_cast<double>(bin) / kLatencyBinsPerDecade);
}

}  // namespace

Percentiles percentiles(std::vector<double> values) {
  const double mean = mean_of(values);
  std::sort(values.begin(), values.end());
  return sorted_percentiles(values, mean);
}

LatencyDistribution latency_distribution(std::vector<double>& values) {
  LatencyDistribution d;
  if (values.empty()) return d;
  const double mean = mean_of(values);
  std::sort(values.begin(), values.end());
  d.count = static_cast<std::int64_t>(values.size());
  d.percentiles = sorted_percentiles(values, mean);
  d.max = values.back();
  if (!std::isfinite(d.max)) throw std::logic_error("serving metrics: a latency that is not a finite number");
  // One pass over the sorted values, opening bins as they are needed.
  int bin = 0;
  double edge = latency_edge_s(0);
  d.upper_edges_s.push_back(edge);
  d.counts.push_back(0);
  for (double v : values) {
    while (v > edge) {
      edge = latency_edge_s(++bin);
      d.upper_edges_s.push_back(edge);
      d.counts.push_back(0);
    }
    ++d.counts.back();
  }
  return d;
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
  s.ttft_s = percentiles(std::move(ttft));
  s.tpot_s = percentiles(std::move(tpot));
  s.e2e_s = percentiles(std::move(e2e));
  s.queueing_s = percentiles(std::move(queueing));
  for (const EngineCounters& c : instances) {
    s.preemptions += c.preemptions;
    s.max_context_tokens = std::max(s.max_context_tokens, c.max_context_tokens);
    s.peak_kv_bytes = std::max(s.peak_kv_bytes, c.peak_kv_bytes);
  }
  return s;
}

}  // namespace lcperf::schedulers::serving
