#pragma once
// The knobs of one serving instance's engine loop (vLLM-style continuous batching).
#include <cstdint>
#include <vector>
#include <string>
#include <string_view>

#include "core/qwen1m_attention.hpp"
#include "core/scenario_options.hpp"
#include "core/serving_precision.hpp"
#include "core/serving_stack.hpp"
#include "core/sparse_weights.hpp"

namespace lcperf::schedulers::serving {

// What happens to a running request when the KV cache runs out of blocks: the
// scenario's serving.preemption (core/scenario_options.hpp, with its name).
using core::PreemptionMode;

struct EngineConfig {
  // KV cache paging. Budgets are per rank: each rank holds its own KV heads of its
  // pipeline stage's layers (with pp > 1, the smallest budget over the stages).
  std::int64_t block_size_tokens = 16;
  std::int64_t kv_budget_bytes = 0;       // device memory for KV blocks
  std::int64_t host_kv_budget_bytes = 0;  // host swap space (swap mode)
  // Blocks the instance may hold on other instances (a KV cache spread over instances,
  // EnginePlan::remote_kv): added to the block manager's capacity.
  std::int64_t borrowable_blocks = 0;
  // Weight bytes per GPU of each pipeline stage (compressed where sparse), allocated as
  // a weights tensor for the run; empty = weights not accounted (unit tests).
  std::vector<std::int64_t> stage_weight_bytes;
  // Fraction of the device blocks kept free when admitting new work, so running
  // requests can grow a while before anything is preempted.
  double watermark = 0.01;

  // Per-step limits.
  std::int64_t max_num_batched_tokens = 8192;  // tokens of one forward pass
  int max_num_seqs = 256;                      // sequences running at once

  // Chunked prefill: prompts are split into chunks of at most prefill_chunk_tokens and
  // mixed with decodes, decodes first. Without it a prompt is prefilled whole, and steps
  // that run prefills run nothing else (prefill priority, vLLM v0), unless
  // prefill_with_decodes: then whole prompts join the running decodes in one step as far
  // as the token budget leaves room (TensorRT-LLM's in-flight batching without chunked
  // context), so a prompt that does not fit beside the others waits for the next step.
  bool chunked_prefill = true;
  std::int64_t prefill_chunk_tokens = 2048;
  bool prefill_with_decodes = false;

  PreemptionMode preemption = PreemptionMode::recompute;
  // Priced bytes of a swap per byte moved (see core::kv_swap_part): set it to
  // hbm_bandwidth / pcie_bandwidth so a swap costs host-link time.
  double host_link_factor = 1.0;

  // Per-token times of every request are kept when true (for time-between-tokens
  // statistics); off for very long traces.
  bool record_token_times = true;
  // Per-step records (EngineRecords::steps) and a "batch" decision per step naming its
  // requests. Long replays turn them off: a million steps of formatted text cost more
  // than the simulation itself.
  bool record_steps = true;
  bool log_batches = true;
  // Requests with a smaller id are a warm-up (a fixed workload's, left out of the
  // metrics): their inter-token gaps are not recorded (EngineRecords::itl_s).
  std::int64_t first_measured_id = 0;

  // Long-context prefill techniques (sparse attention, DCA); all off by default.
  core::LongContextOptions long_context;

  // The serving stack's host side (core/serving_stack.hpp): host work around each step
  // and kernel launches, run as host ops on the engine's timeline (core::kHostStream)
  // and part of TTFT, TPOT and throughput. The default ("ideal") takes no host time.
  core::ServingStack stack;

  // Closed loop: at most this many requests are outstanding; the first `closed_loop`
  // requests (in arrival order) arrive at their trace times, and each later one arrives
  // when an earlier one ends (a benchmark client with that many concurrent users).
  // 0 = open loop: every request arrives at its trace time.
  int closed_loop = 0;

  // Flash-LLM: unstructured weight sparsity per matrix class; a linear layer runs as a
  // Tiled-CSL SpMM when `sparse_choice` says so (lcperf decides with the cost model's
  // break-even, cost::spmm_beats_dense), dense otherwise. All zero = dense model.
  core::SparseWeights sparse_weights;
  core::SparseChoice sparse_choice;

  // Prefix caching (prefix_cache.hpp): requests' prefix blocks are cached in the KV pool
  // and reused by later requests with the same prefix hashes. Off by default.
  bool prefix_cache = false;
  // Per-class dtypes (core/serving_precision.hpp); not set = the model's dtype.
  core::ServingPrecision precision;
};

// Throws InputError naming the field and rule; `where` prefixes the message.
void validate_engine_config(const EngineConfig& config, const std::string& where);

}  // namespace lcperf::schedulers::serving
