#include "runs/training_metrics.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include "core/runtime.hpp"

namespace lcperf::runs {

namespace {

struct Interval {
  double start_s = 0;
  double end_s = 0;
};

// Total length covered by a set of intervals; overlaps (two compute kernels running
// concurrently on one stream's records, or clock jitter in live runs) count once.
double union_length(std::vector<Interval> intervals) {
  std::sort(intervals.begin(), intervals.end(),
            [](const Interval& a, const Interval& b) { return a.start_s < b.start_s || (a.start_s == b.start_s && a.end_s < b.end_s); });
  double total = 0;
  double covered_until = -std::numeric_limits<double>::infinity();
  for (const Interval& interval : intervals) {
    const double start = std::max(interval.start_s, covered_until);
    if (interval.end_s > start) {
      total += interval.end_s - start;
      covered_until = interval.end_s;
    }
  }
  return total;
}

// Pipeline-compute intervals per rank, in rank order (std::map keeps it deterministic).
std::map<int, std::vector<Interval>> compute_intervals_by_rank(const core::RunRecords& records) {
  std::map<int, std::vector<Interval>> by_rank;
  for (const core::TimelineRecord& record : records.timeline) {
    if (!is_pipeline_compute(record)) continue;
    by_rank[record.rank].push_back({record.start_s, record.end_s});
  }
  return by_rank;
}

Interval span_of(const std::vector<Interval>& intervals) {
  Interval span{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (const Interval& interval : intervals) {
    span.start_s = std::min(span.start_s, interval.start_s);
    span.end_s = std::max(span.end_s, interval.end_s);
  }
  return span;
}

std::vector<std::int64_t> peak_memory_per_rank(const core::RunRecords& records, int world_size) {
  std::size_t ranks = std::max<std::size_t>(static_cast<std::size_t>(std::max(world_size, 0)),
                                            records.peak_bytes_per_rank.size());
  for (const core::MemoryEvent& event : records.memory) {
    if (event.rank >= 0) ranks = std::max(ranks, static_cast<std::size_t>(event.rank) + 1);
  }
  std::vector<std::int64_t> peaks(ranks, 0);
  for (std::size_t rank = 0; rank < records.peak_bytes_per_rank.size(); ++rank) {
    peaks[rank] = records.peak_bytes_per_rank[rank];
  }
  // The tracker's peaks are authoritative; the event log can only raise them (a
  // runtime that filled the log but not the peak vector still gets a right answer).
  for (const core::MemoryEvent& event : records.memory) {
    if (event.rank < 0) continue;
    auto& peak = peaks[static_cast<std::size_t>(event.rank)];
    peak = std::max(peak, event.total_bytes);
  }
  return peaks;
}

}  // namespace

bool is_pipeline_compute(const core::TimelineRecord& record) {
  if (record.stream != core::kComputeStream) return false;
  return record.category == "forward" || record.category == "backward" || record.category == "recompute";
}

// Bubble ratio: the share of the iteration's pipeline window in which a rank's compute
// stream does no forward/backward/recompute work, averaged over ranks.
//
// The window is global (first compute start to last compute end over all ranks), not
// per rank: in 1F1B the last stage starts late and the first stage finishes late, so a
// per-rank span would hide exactly the warm-up and cool-down idleness that the bubble
// is. With uniform per-micro-batch compute (f forward + b backward per stage) and free
// communication, 1F1B over p stages and m micro-batches takes (m + p - 1)(f + b), and
// every rank is busy m(f + b) of it, so each rank's idle share is
// (p - 1)(f + b) / ((m + p - 1)(f + b)) = (p - 1)/(m + p - 1), the textbook value.
//
// Ranks without any pipeline compute (none in a training run) are left out of the
// average rather than counted as fully idle.
double bubble_ratio(const core::RunRecords& records) {
  const auto by_rank = compute_intervals_by_rank(records);
  if (by_rank.empty()) return 0;
  double global_start = std::numeric_limits<double>::infinity();
  double global_end = -std::numeric_limits<double>::infinity();
  for (const auto& [rank, intervals] : by_rank) {
    const Interval span = span_of(intervals);
    global_start = std::min(global_start, span.start_s);
    global_end = std::max(global_end, span.end_s);
  }
  const double global_span = global_end - global_start;
  if (!(global_span > 0)) return 0;
  double sum = 0;
  for (const auto& [rank, intervals] : by_rank) {
    sum += (global_span - union_length(intervals)) / global_span;
  }
  return sum / static_cast<double>(by_rank.size());
}

// How much longer the slowest data-parallel replica's pipeline takes than the average
// one: with variable-length data (long-tail documents) replicas get unequal work and
// the gradient all-reduce waits for the slowest. A replica is every rank sharing one dp
// coordinate (all its TP, CP and PP ranks); its span runs from its first pipeline
// compute start to its last pipeline compute end.
double dp_imbalance(const core::ParallelConfig& parallel, const core::RunRecords& records) {
  const int world_size = parallel.world_size();
  std::map<int, Interval> span_by_replica;
  for (const core::TimelineRecord& record : records.timeline) {
    if (!is_pipeline_compute(record)) continue;
    if (record.rank < 0 || record.rank >= world_size) continue;  // not a training rank
    const int replica = core::coord_of(parallel, record.rank).dp;
    auto [it, inserted] = span_by_replica.try_emplace(replica, Interval{record.start_s, record.end_s});
    if (!inserted) {
      it->second.start_s = std::min(it->second.start_s, record.start_s);
      it->second.end_s = std::max(it->second.end_s, record.end_s);
    }
  }
  if (span_by_replica.empty()) return 0;
  double longest = 0;
  double sum = 0;
  for (const auto& [replica, span] : span_by_replica) {
    const double length = span.end_s - span.start_s;
    longest = std::max(longest, length);
    sum += length;
  }
  const double mean = sum / static_cast<double>(span_by_replica.size());
  if (!(mean > 0)) return 0;
  return longest / mean - 1.0;
}

// The cost of recomputation as the iteration feels it: ranks recompute in parallel, so
// the slowest rank's total is what it adds to the critical path at most.
double recompute_time_s(const core::RunRecords& records) {
  std::map<int, double> by_rank;
  for (const core::TimelineRecord& record : records.timeline) {
    if (record.category != "recompute") continue;
    by_rank[record.rank] += record.end_s - record.start_s;
  }
  double longest = 0;
  for (const auto& [rank, total] : by_rank) longest = std::max(longest, total);
  return longest;
}

core::TimeBreakdown time_breakdown(const core::RunRecords& records, double iteration_time_s) {
  struct RankIntervals {
    std::vector<Interval> compute, compute_stream, all;
  };
  std::map<int, RankIntervals> by_rank;
  for (const core::TimelineRecord& record : records.timeline) {
    RankIntervals& r = by_rank[record.rank];
    const Interval interval{record.start_s, record.end_s};
    // A receive is posted early and spans the wait for the peer's compute (a pipeline
    // bubble); the transfer itself is counted on the sending side.
    if (record.stream == core::kRecvStream) continue;
    r.all.push_back(interval);
    if (record.stream != core::kComputeStream) continue;
    r.compute_stream.push_back(interval);
    if (is_pipeline_compute(record)) r.compute.push_back(interval);
  }
  core::TimeBreakdown mean;
  if (by_rank.empty()) return mean;
  for (auto& [rank, r] : by_rank) {
    const double compute = union_length(r.compute);
    const double compute_stream = union_length(r.compute_stream);
    const double busy = union_length(r.all);
    mean.compute_s += compute;
    mean.fixed_s += compute_stream - compute;
    mean.exposed_communication_s += busy - compute_stream;
    mean.idle_s += iteration_time_s - busy;
  }
  const auto n = static_cast<double>(by_rank.size());
  mean.compute_s /= n;
  mean.fixed_s /= n;
  mean.exposed_communication_s /= n;
  mean.idle_s /= n;
  return mean;
}

core::TrainingResult compute_training_result(const core::Scenario& scenario, const core::RunRecords& records,
                                             double model_flops_per_iteration, std::int64_t tokens_per_iteration) {
  core::TrainingResult result;
  result.scenario = scenario.name;
  result.seed = scenario.seed;
  result.world_size = scenario.parallel.world_size();
  result.tokens_per_iteration = tokens_per_iteration;
  result.model_flops_per_iteration = model_flops_per_iteration;
  result.events_simulated = records.events_simulated;
  result.simulated_time_s = records.end_time_s;
  result.iteration_time_s = records.end_time_s;
  result.partial_reason = records.stopped_reason;

  if (result.iteration_time_s > 0) {
    result.tokens_per_s = static_cast<double>(tokens_per_iteration) / result.iteration_time_s;
    const double peak_flops = scenario.cluster.gpu.peak_bf16_flops;
    const double capacity_flops = result.iteration_time_s * result.world_size * peak_flops;
    if (capacity_flops > 0) result.mfu = model_flops_per_iteration / capacity_flops;
  }

  result.bubble_ratio = bubble_ratio(records);
  result.dp_imbalance = dp_imbalance(scenario.parallel, records);
  result.recompute_time_s = recompute_time_s(records);
  result.time_breakdown = time_breakdown(records, result.iteration_time_s);

  result.peak_memory_bytes_per_rank = peak_memory_per_rank(records, result.world_size);
  for (const std::int64_t peak : result.peak_memory_bytes_per_rank) {
    result.peak_memory_bytes = std::max(result.peak_memory_bytes, peak);
  }
  result.oom = records.oom.happened;
  result.oom_detail = records.oom;
  return result;
}

}  // namespace lcperf::runs
