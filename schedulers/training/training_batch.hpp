#pragma once
// What one data-parallel replica trains on in an iteration, from the scenario's
// workload: fixed-length micro-batches, or a sampled global batch (lengths come from
// outside the scheduler: sampling is workload input, splitting and packing are the
// scheduler's decisions).
#include <cstdint>
#include <vector>

#include "core/layer_ops.hpp"
#include "core/scenario.hpp"
#include "schedulers/training/chunk_construction.hpp"

namespace lcperf::schedulers::training {

// Tokens of a packed micro-batch or chunk must be a multiple of this: sequence
// parallelism splits them over the TP group, context parallelism into 2*cp pieces.
std::int64_t token_multiple(const core::ParallelConfig& parallel);

// Pads the last sequence so the batch's tokens are a multiple of `multiple`
// (Megatron pads packed batches the same way).
core::MicroBatchShape padded(core::MicroBatchShape shape, std::int64_t multiple);

// The global batch as sequences with ids 0..n-1.
std::vector<Sequence> as_sequences(const std::vector<std::int64_t>& lengths);

// The micro-batches of DP replica `dp_index` under the Megatron baseline: fixed-length
// work gives num_micro_batches copies of micro_batch_size x seq_len; dataset work
// splits `global_batch` across DP ranks and packs each share to context_length.
std::vector<core::MicroBatchShape> megatron_micro_batches(const core::Scenario& scenario, int dp_index,
                                                          const std::vector<std::int64_t>& global_batch);

// The global batch of a fixed-length workload, for strategies that take sequences.
std::vector<std::int64_t> fixed_length_global_batch(const core::Scenario& scenario);

}  // namespace lcperf::schedulers::training
