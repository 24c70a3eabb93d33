#pragma once
// A unit is what pipeline scheduling and data-parallel assignment move as a whole: one
// standalone chunk, or all dependent chunks of one long sequence. A long sequence's
// chunks cannot be split across data-parallel ranks or reordered, because its K/V state
// store lives on the ranks that run it and chunk i needs chunks 0..i-1's K/V.
#include <cstdint>
#include <vector>

#include "schedulers/training/chunk_construction.hpp"

namespace lcperf::schedulers::training {

struct ChunkUnit {
  std::vector<Chunk> chunks;  // one standalone chunk, or a sequence's dependent chunks, index 0..N-1

  bool is_group() const;  // dependent chunks of one long sequence
  std::int64_t tokens() const;

  bool operator==(const ChunkUnit&) const = default;
};

// Groups chunks into units, in order of each unit's first chunk. Throws core::InputError
// when a sequence's dependent chunks are not exactly indices 0..count-1 once each.
std::vector<ChunkUnit> group_into_units(const std::vector<Chunk>& chunks);

}  // namespace lcperf::schedulers::training
