#pragma once
// Hand-built records for exporter and metric tests: a 1F1B pipeline computed by list
// scheduling, so expected values come from the closed form, not from the code under test.
#include <algorithm>
#include <string>
#include <vector>

#include "core/records.hpp"
#include "core/scenario.hpp"

namespace lcperf::testing {

// 1F1B on `stages` ranks (rank = stage), `micro_batches` micro-batches, forward time f
// and backward time b on every stage, free communication. Each stage runs
// (stages - stage - 1) warm-up forwards, then one-forward-one-backward, then the
// remaining backwards. A zero-duration p2p record goes on the send stream after each
// forward that has a next stage, which the bubble must ignore.
inline core::RunRecords one_f_one_b(int stages, int micro_batches, double f, double b) {
  struct Op {
    bool forward;
    int micro_batch;
  };
  std::vector<std::vector<Op>> order(static_cast<std::size_t>(stages));
  for (int s = 0; s < stages; ++s) {
    const int warmup = std::min(stages - s - 1, micro_batches);
    auto& ops = order[static_cast<std::size_t>(s)];
    int next_forward = 0;
    int next_backward = 0;
    for (; next_forward < warmup; ++next_forward) ops.push_back({true, next_forward});
    while (next_backward < micro_batches) {
      if (next_forward < micro_batches) ops.push_back({true, next_forward++});
      ops.push_back({false, next_backward++});
    }
  }
  // end[s][mb] of forward and backward; relax until no start moves (a DAG: at most
  // as many passes as ops).
  const auto S = static_cast<std::size_t>(stages);
  const auto M = static_cast<std::size_t>(micro_batches);
  std::vector<std::vector<double>> fwd_end(S, std::vector<double>(M, 0)), bwd_end(S, std::vector<double>(M, 0));
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t s = 0; s < S; ++s) {
      double stream_free = 0;
      for (const Op& op : order[s]) {
        const auto mb = static_cast<std::size_t>(op.micro_batch);
        double ready = stream_free;
        if (op.forward && s > 0) ready = std::max(ready, fwd_end[s - 1][mb]);
        if (!op.forward) ready = std::max(ready, s + 1 < S ? bwd_end[s + 1][mb] : fwd_end[s][mb]);
        const double end = ready + (op.forward ? f : b);
        double& slot = op.forward ? fwd_end[s][mb] : bwd_end[s][mb];
        if (end != slot) {
          slot = end;
          changed = true;
        }
        stream_free = end;
      }
    }
  }
  core::RunRecords records;
  for (std::size_t s = 0; s < S; ++s) {
    for (const Op& op : order[s]) {
      const auto mb = static_cast<std::size_t>(op.micro_batch);
      core::TimelineRecord record;
      record.rank = static_cast<int>(s);
      record.stream = 0;
      record.category = op.forward ? "forward" : "backward";
      record.name = record.category + " stage " + std::to_string(s);
      record.end_s = op.forward ? fwd_end[s][mb] : bwd_end[s][mb];
      record.start_s = record.end_s - (op.forward ? f : b);
      record.flops = op.forward ? 1e12 : 2e12;
      record.bytes = 4096;
      record.micro_batch = op.micro_batch;
      records.timeline.push_back(record);
      if (op.forward && s + 1 < S) {
        core::TimelineRecord send = record;
        send.stream = 1;
        send.category = "p2p";
        send.name = "send activations";
        send.start_s = send.end_s = record.end_s;
        send.flops = 0;
        records.timeline.push_back(send);
      }
      records.end_time_s = std::max(records.end_time_s, record.end_s);
    }
  }
  records.node_of_rank.assign(S, 0);
  records.peak_bytes_per_rank.assign(S, 0);
  records.events_simulated = records.timeline.size();
  return records;
}

// A scenario with the given grid on a small fictitious GPU (100 FLOP/s peak), so MFU is
// easy to compute by hand.
inline core::Scenario tiny_scenario(int tp, int cp, int dp, int pp, int micro_batches) {
  core::Scenario scenario;
  scenario.name = "hand_built";
  scenario.seed = 7;
  scenario.model.id = "toy";
  scenario.cluster.gpu.id = "toy_gpu";
  scenario.cluster.gpu.peak_bf16_flops = 100;
  scenario.cluster.nodes = 1;
  scenario.cluster.gpus_per_node = tp * cp * dp * pp;
  scenario.parallel.tp = tp;
  scenario.parallel.cp = cp;
  scenario.parallel.dp = dp;
  scenario.parallel.pp = pp;
  scenario.parallel.num_micro_batches = micro_batches;
  return scenario;
}

inline core::TimelineRecord compute_record(int rank, const std::string& category, double start_s, double end_s,
                                           int micro_batch = 0) {
  core::TimelineRecord record;
  record.rank = rank;
  record.stream = 0;
  record.name = category;
  record.category = category;
  record.start_s = start_s;
  record.end_s = end_s;
  record.micro_batch = micro_batch;
  return record;
}

}  // namespace lcperf::testing
