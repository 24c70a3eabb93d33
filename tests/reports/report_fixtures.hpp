#pragma once
// A small scenario, its records and result, shared by the report tests.
#include "core/records.hpp"
#include "core/result.hpp"
#include "core/scenario.hpp"

namespace lcperf::testing {

inline core::Scenario sample_scenario() {
  core::Scenario scenario;
  scenario.name = "sample";
  scenario.seed = 42;
  scenario.model.id = "toy-1b";
  scenario.model.layers = 4;
  scenario.model.hidden = 1024;
  scenario.model.heads = 8;
  scenario.model.kv_heads = 8;
  scenario.model.head_dim = 128;
  scenario.model.ffn_hidden = 4096;
  scenario.model.vocab = 32000;
  scenario.cluster.id = "one_node";
  scenario.cluster.gpu.id = "h200";
  scenario.cluster.gpu.name = "NVIDIA H200";
  scenario.cluster.gpu.peak_bf16_flops = 989e12;
  scenario.cluster.gpu.hbm_bytes = 141e9;
  scenario.cluster.nodes = 1;
  scenario.cluster.gpus_per_node = 4;
  scenario.parallel.tp = 2;
  scenario.parallel.pp = 2;
  scenario.parallel.num_micro_batches = 4;
  return scenario;
}

// Four ranks (tp 2 x pp 2): forward, backward, recompute and a p2p on each.
inline core::RunRecords sample_records() {
  core::RunRecords records;
  for (int rank = 0; rank < 4; ++rank) {
    const double offset = rank >= 2 ? 1e-3 : 0.0;
    for (int mb = 0; mb < 4; ++mb) {
      const double t = offset + mb * 3e-3;
      records.timeline.push_back({rank, 0, "fwd", "forward", t, t + 1e-3, 1e12, 1e6, mb});
      records.timeline.push_back({rank, 0, "recomp", "recompute", t + 1e-3, t + 1.5e-3, 1e12, 1e6, mb});
      records.timeline.push_back({rank, 0, "bwd", "backward", t + 1.5e-3, t + 3e-3, 2e12, 2e6, mb});
      records.timeline.push_back({rank, 1, "send", "p2p", t + 1e-3, t + 1.2e-3, 0, 1e6, mb});
    }
    records.timeline.push_back({rank, 3, "grad all-reduce", "collective", 0.0135, 0.015, 0, 1e9, -1});
    records.memory.push_back({0, rank, core::MemoryTag::weights, 2LL << 30, 2LL << 30});
    records.memory.push_back({1e-3, rank, core::MemoryTag::activations, 1LL << 30, 3LL << 30});
  }
  records.node_of_rank = {0, 0, 0, 0};
  records.peak_bytes_per_rank = {3LL << 30, 3LL << 30, 3LL << 30, (3LL << 30) + 1};
  records.peak_bytes_per_rank_tag.assign(4, std::vector<std::int64_t>(core::kMemoryTagCount, 0));
  for (auto& per_tag : records.peak_bytes_per_rank_tag) {
    per_tag[static_cast<std::size_t>(core::MemoryTag::weights)] = 2LL << 30;
    per_tag[static_cast<std::size_t>(core::MemoryTag::activations)] = 1LL << 30;
  }
  records.end_time_s = 0.015;
  records.events_simulated = records.timeline.size();
  return records;
}

inline core::TrainingResult sample_result() {
  core::TrainingResult result;
  result.scenario = "sample";
  result.seed = 42;
  result.iteration_time_s = 0.015;
  result.simulated_time_s = 0.015;
  result.tokens_per_s = 4 * 4096 / 0.015;
  result.tokens_per_iteration = 4 * 4096;
  result.mfu = 0.4123;
  result.bubble_ratio = 1.0 / 5.0;
  result.dp_imbalance = 0;
  result.peak_memory_bytes = (3LL << 30) + 1;
  result.peak_memory_bytes_per_rank = {3LL << 30, 3LL << 30, 3LL << 30, (3LL << 30) + 1};
  result.recompute_time_s = 2e-3;
  result.events_simulated = 72;
  result.wall_time_s = 0.5;
  result.world_size = 4;
  result.model_flops_per_iteration = 1e15;
  return result;
}

}  // namespace lcperf::testing
