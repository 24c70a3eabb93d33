#pragma once
// Megatron's fixed recompute granularities (none / selective / full) next to the
// BladeDISC-style plan + run-time eviction, on the same training graph and shape.
// Peaks are the graph's live activation bytes of one micro-batch (model states and other
// in-flight micro-batches are outside the graph; subtract them from the device limit).
#include <cstdint>
#include <string>
#include <vector>

#include "core/model_spec.hpp"
#include "core/parallel_config.hpp"
#include "schedulers/memory/remat.hpp"
#include "schedulers/memory/transformer_graph.hpp"

namespace lcperf::schedulers::memory {

struct StrategyResult {
  std::string name;  // "megatron-none", "megatron-selective", "megatron-full", "evict"
  std::int64_t peak = 0;
  std::int64_t recompute_flops = 0;
  bool fits = false;  // peak <= limit
};

// Sum of the FLOPs of the graph's "recompute" ops at a shape.
std::int64_t recompute_flops(const OpGraph& graph, const Binding& at);

// `options.recompute` is ignored: every strategy is built from the same other options;
// "evict" plans on the recompute=none graph in program order.
std::vector<StrategyResult> compare_recompute_strategies(const core::ModelSpec& model,
                                                         const core::ParallelConfig& parallel,
                                                         const TrainingGraphOptions& options, const Box& box,
                                                         const Binding& at, std::int64_t limit,
                                                         const RematOptions& remat = {});

}  // namespace lcperf::schedulers::memory
