#pragma once
// ChunkFlow's chunk construction (Algorithm 1): the sequences of one batch become
// chunks of at most ChunkSize (C) tokens.
//   - A long sequence (length > C) is cut into N = ceil(length / C) dependent chunks of
//     C tokens, the last one possibly shorter. They must run in order, because chunk i
//     attends to the K/V of chunks 0..i-1 (kept in a per-sequence state store).
//   - Short sequences (length <= C; exactly C counts as short) are bin-packed into as
//     few standalone chunks as FFD finds (see bin_packing.hpp: a heuristic), each a
//     packed variable-length batch with a block-diagonal causal mask.
// Output order: the standalone chunks first (bin order), then each long sequence's
// dependent chunks, contiguous and ascending, long sequences in input order. This is
// the order of the paper's Figure 4; schedulers take chunks as units and may reorder.
// Chunk ids are 0..n-1 in that order.
#include <cstdint>
#include <vector>

#include "core/layer_ops.hpp"
#include "core/ops.hpp"

namespace lcperf::schedulers::training {

struct Sequence {
  int id = 0;
  std::int64_t length = 0;
};

struct Chunk {
  enum class Kind { standalone, dependent };
  Kind kind = Kind::standalone;
  int id = 0;
  std::vector<std::int64_t> seq_lens;  // standalone: packed sequence lengths; dependent: {tokens}
  std::vector<int> seq_ids;            // the sequences in seq_lens, same order
  int seq_id = -1;                     // dependent: the parent sequence
  int index = 0;                       // dependent: position within the parent, 0-based
  int count = 1;                       // dependent: N, the parent's number of chunks
  std::int64_t chunk_size = 0;         // C, so a dependent chunk knows its KV prefix

  std::int64_t tokens() const;
  // Tokens of the parent sequence before this chunk (index * C); 0 for standalone.
  std::int64_t kv_prefix() const;

  bool operator==(const Chunk&) const = default;
};

// Throws core::InputError for chunk_size < 1, a length < 1, or a repeated sequence id.
std::vector<Chunk> construct_chunks(const std::vector<Sequence>& sequences, std::int64_t chunk_size);

// What the attention kernel sees. Standalone: one causal sequence per packed sequence
// (q_len = kv_len = its length). Dependent chunk i: one sequence whose queries are its
// tokens and whose keys are every token of the parent up to its end
// (kv_len = i*C + tokens), the bottom-right causal alignment of core::AttentionSeq.
std::vector<core::AttentionSeq> attention_seqs(const Chunk& chunk);

// The token shape for everything except attention (GEMMs, norms, activation memory):
// the chunk's sequence lengths. Pricing attention from this shape alone would miss a
// dependent chunk's KV prefix; use attention_seqs for that.
core::MicroBatchShape micro_batch_shape(const Chunk& chunk);

}  // namespace lcperf::schedulers::training
