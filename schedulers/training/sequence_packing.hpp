#pragma once
// The Megatron-LM baseline's data path for variable-length SFT batches: the global
// batch is split across data-parallel ranks the way Megatron's sampler does
// (contiguous, equal counts), and each rank packs its sequences into micro-batches of
// at most max_seq_len tokens (first-fit-decreasing, deterministic; see bin_packing.hpp),
// each a packed variable-length batch. Unlike ChunkFlow nothing is split: a sequence
// longer than max_seq_len cannot be trained.
#include <cstdint>
#include <vector>

#include "core/layer_ops.hpp"
#include "schedulers/training/chunk_construction.hpp"

namespace lcperf::schedulers::training {

struct PackedMicroBatch {
  std::vector<int> seq_ids;     // in the rank's input order
  core::MicroBatchShape shape;  // their lengths, same order
};

// Micro-batches in FFD bin order (the first holds the longest sequence). Throws
// core::InputError naming the sequence and its length when one exceeds max_seq_len, or
// for max_seq_len < 1 or a length < 1.
std::vector<PackedMicroBatch> pack_sequences(const std::vector<Sequence>& sequences, std::int64_t max_seq_len);

// Rank r gets sequences [r*B/dp, (r+1)*B/dp). Like Megatron, B must be a multiple of
// dp; otherwise (or for dp < 1) core::InputError.
std::vector<std::vector<Sequence>> split_across_dp(const std::vector<Sequence>& batch, int dp);

}  // namespace lcperf::schedulers::training
