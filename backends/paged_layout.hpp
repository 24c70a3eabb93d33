#pragma once
// The paged KV layout a live backend builds to run a paged-decode attention part: each
// sequence's blocks numbered consecutively in one cache, a block table row per sequence.
// Shared by the CPU executor and the CUDA kernel runner.
#include <cstdint>
#include <vector>

#include "core/ops.hpp"

namespace lcperf::backends {

struct PagedLayout {
  int block_tokens = 16;
  std::vector<std::int32_t> seq_lens;     // keys per sequence
  std::vector<std::int32_t> block_table;  // [sequences x max_blocks], unused entries 0
  int max_blocks = 1;                     // table row length (at least 1)
  std::int64_t total_blocks = 0;          // blocks in the cache
};

PagedLayout paged_layout(const std::vector<core::AttentionSeq>& seqs, int block_tokens);

}  // namespace lcperf::backends
