#include "schedulers/training/chunk_construction.hpp"

#include <algorithm>
#include <numeric>
#include <set>
#include <string>

#include "core/errors.hpp"
#include "schedulers/training/bin_packing.hpp"

namespace lcperf::schedulers::training {

std::int64_t Chunk::tokens() const { return std::accumulate(seq_lens.begin(), seq_lens.end(), std::int64_t{0}); }

std::int64_t Chunk::kv_prefix() const { return kind == Kind::dependent ? index * chunk_size : 0; }

std::vector<Chunk> construct_chunks(const std::vector<Sequence>& sequences, std::int64_t chunk_size) {
  if (chunk_size < 1) {
    throw core::InputError("chunk construction needs chunk_size >= 1 token (got " + std::to_string(chunk_size) + ")");
  }
  std::set<int> seen;
  std::vector<std::int64_t> short_lens;
  std::vector<int> short_ids;
  std::vector<Sequence> long_seqs;
  for (const Sequence& s : sequences) {
    if (s.length < 1) {
      throw core::InputError("chunk construction: sequence " + std::to_string(s.id) + " has length " +
                             std::to_string(s.length) + " (must be >= 1)");
    }
    if (!seen.insert(s.id).second) {
      throw core::InputError("chunk construction: sequence id " + std::to_string(s.id) + " appears twice");
    }
    if (s.length > chunk_size) {
      long_seqs.push_back(s);
    } else {
      short_lens.push_back(s.length);
      short_ids.push_back(s.id);
    }
  }

  std::vector<Chunk> chunks;
  for (const auto& bin : fewest_bins(short_lens, chunk_size)) {
    Chunk c;
    c.kind = Chunk::Kind::standalone;
    c.id = static_cast<int>(chunks.size());
    c.chunk_size = chunk_size;
    for (std::size_t item : bin) {
      c.seq_lens.push_back(short_lens[item]);
      c.seq_ids.push_back(short_ids[item]);
    }
    chunks.push_back(std::move(c));
  }
  for (const Sequence& s : long_seqs) {
    const auto n = static_cast<int>((s.length + chunk_size - 1) / chunk_size);
    for (int i = 0; i < n; ++i) {
      Chunk c;
      c.kind = Chunk::Kind::dependent;
      c.id = static_cast<int>(chunks.size());
      c.chunk_size = chunk_size;
      const std::int64_t start = i * chunk_size;
      c.seq_lens = {std::min(chunk_size, s.length - start)};
      c.seq_ids = {s.id};
      c.seq_id = s.id;
      c.index = i;
      c.count = n;
      chunks.push_back(std::move(c));
    }
  }
  return chunks;
}

std::vector<core::AttentionSeq> attention_seqs(const Chunk& chunk) {
  std::vector<core::AttentionSeq> seqs;
  if (chunk.kind == Chunk::Kind::dependent) {
    seqs.push_back({chunk.tokens(), chunk.kv_prefix() + chunk.tokens()});
    return seqs;
  }
  for (std::int64_t len : chunk.seq_lens) seqs.push_back({len, len});
  return seqs;
}

core::MicroBatchShape micro_batch_shape(const Chunk& chunk) {
  return core::MicroBatchShape{chunk.seq_lens, chunk.kv_prefix()};
}

}  // namespace lcperf::schedulers::training
