#include "backends/paged_layout.hpp"

#include <algorithm>

namespace lcperf::backends {

PagedLayout paged_layout(const std::vector<core::AttentionSeq>& seqs, int block_tokens) {
  PagedLayout l;
  l.block_tokens = block_tokens;
  std::vector<int> blocks_of;
  for (const core::AttentionSeq& seq : seqs) {
    l.seq_lens.push_back(static_cast<std::int32_t>(seq.kv_len));
    const int blocks = static_cast<int>((seq.kv_len + block_tokens - 1) / block_tokens);
    blocks_of.push_back(blocks);
    l.max_blocks = std::max(l.max_blocks, blocks);
    l.total_blocks += blocks;
  }
  l.block_table.assign(seqs.size() * static_cast<std::size_t>(l.max_blocks), 0);
  std::int32_t next = 0;
  for (std::size_t b = 0; b < seqs.size(); ++b) {
    for (int i = 0; i < blocks_of[b]; ++i) l.block_table[b * static_cast<std::size_t>(l.max_blocks) + static_cast<std::size_t>(i)] = next++;
  }
  return l;
}

}  // namespace lcperf::backends
