#pragma once
// First-fit-decreasing bin packing, shared by ChunkFlow's chunk construction (short
// sequences into chunks of ChunkSize tokens) and the Megatron baseline's sequence
// packing (sequences into micro-batches of max_seq_len tokens).
//
// FFD is a heuristic: it is not guaranteed to reach the fewest bins (it uses at most
// 11/9 OPT + 6/9 bins), but it is fast, deterministic and what packing pipelines use.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace lcperf::schedulers::training {

// Each bin lists item indices (into the `sizes` given), ascending within the bin so a
// packed batch keeps its input order; bins are in opening order, bin 0 holds the
// largest item.
using Bins = std::vector<std::vector<std::size_t>>;

// Packs items largest first (equal sizes: lower index first) into the lowest-numbered
// of at most `max_bins` bins with room. nullopt when some item finds no room. Only
// non-empty bins are returned. Sizes must be in [1, capacity]; otherwise InputError.
std::optional<Bins> first_fit_decreasing(const std::vector<std::int64_t>& sizes, std::int64_t capacity,
                                         std::size_t max_bins);

// ChunkFlow's Algorithm 1 search: try bin counts from the lower bound ceil(sum/capacity)
// upward and keep the first count FFD packs. With FFD as the per-count packer the search
// stops exactly at FFD's own bin count (first-fit never opens a bin it does not need),
// so this is "FFD, with the lower bound as a floor"; the loop keeps Algorithm 1's shape
// so a stronger per-count packer can replace FFD without touching callers.
Bins fewest_bins(const std::vector<std::int64_t>& sizes, std::int64_t capacity);

}  // namespace lcperf::schedulers::training
