#pragma once
// Paged KV cache bookkeeping for one serving instance (per TP rank: every rank holds the
// same block table for its own KV heads). A request's KV lives in fixed-size blocks of
// `block_size_tokens` tokens; blocks come from a device pool and, when a request is
// swapped out, from a host pool. Only counts are kept: which physical block holds what
// does not change any cost the simulator prices.
//
// Invariant checked by the tests: every device block handed out is given back
// (allocated_blocks() == freed_blocks() once all requests are done), and likewise on
// the host.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace lcperf::schedulers::serving {

// Blocks held per id: requests are named by their slot (0, 1, ...) and prefix-cache
// entries by negative ids (-1, -2, ...), both dense, so two vectors index them directly
// (a decode step looks its requests up several times each, a million steps a replay).
class BlocksById {
 public:
  bool holds(std::int64_t id) const { return held(id) >= 0; }
  std::int64_t blocks(std::int64_t id) const { return std::max<std::int64_t>(0, held(id)); }
  void set(std::int64_t id, std::int64_t blocks);
  void erase(std::int64_t id);

 private:
  // The id's blocks, -1 when it holds none.
  std::int64_t held(std::int64_t id) const {
    const std::vector<std::int64_t>& table = id >= 0 ? requests_ : entries_;
    const auto index = static_cast<std::size_t>(id >= 0 ? id : -1 - id);
    return index < table.size() ? table[index] : -1;
  }
  std::vector<std::int64_t> requests_;  // by id; -1 = holds nothing
  std::vector<std::int64_t> entries_;   // by -1 - id
};

class BlockManager {
 public:
  // `watermark` is the fraction of device blocks admissions leave free (vLLM's
  // watermark): running requests may dip into that reserve as they grow, so a new
  // admission does not cause an immediate preemption.
  BlockManager(std::int64_t total_blocks, std::int64_t block_size_tokens, double watermark,
               std::int64_t host_blocks = 0);

  std::int64_t block_size_tokens() const { return block_size_; }
  std::int64_t total_blocks() const { return total_; }
  std::int64_t used_blocks() const { return used_; }
  std::int64_t free_blocks() const { return total_ - used_; }
  std::int64_t watermark_blocks() const { return watermark_blocks_; }
  std::int64_t peak_used_blocks() const { return peak_used_; }
  std::int64_t host_total_blocks() const { return host_total_; }
  std::int64_t host_used_blocks() const { return host_used_; }
  // Cumulative device blocks handed out and given back (swaps included).
  std::int64_t allocated_blocks() const { return allocated_; }
  std::int64_t freed_blocks() const { return freed_; }
  std::int64_t host_allocated_blocks() const { return host_allocated_; }
  std::int64_t host_freed_blocks() const { return host_freed_; }

  std::int64_t blocks_for_tokens(std::int64_t tokens) const;
  std::int64_t blocks_of(std::int64_t id) const;       // on the device
  std::int64_t host_blocks_of(std::int64_t id) const;  // swapped out to the host

  // Whether a request of `tokens` could ever run: alone on the device, above the
  // watermark. Requests that cannot are rejected up front instead of thrashing.
  bool ever_fits(std::int64_t tokens) const;

  // Admission of a request holding no blocks: room for `tokens`, watermark kept free.
  bool can_allocate(std::int64_t tokens) const;
  std::int64_t allocate(std::int64_t id, std::int64_t tokens);  // returns blocks taken

  // Growth of a running request to `tokens` in total (one more slot for a decode).
  // No watermark: this is what the reserve is for.
  std::int64_t blocks_to_grow(std::int64_t id, std::int64_t tokens) const;
  bool can_append(std::int64_t id, std::int64_t tokens) const;
  std::int64_t append(std::int64_t id, std::int64_t tokens);  // returns blocks taken (0 or more)

  std::int64_t free(std::int64_t id);  // device blocks of `id` back to the pool; returns them

  // Swap preemption: all device blocks of `id` to the host, and back.
  bool can_swap_out(std::int64_t id) const;
  std::int64_t swap_out(std::int64_t id);  // returns blocks moved
  // Room to bring `id` back and grow it to `tokens`, watermark kept free.
  bool can_swap_in(std::int64_t id, std::int64_t tokens) const;
  std::int64_t swap_in(std::int64_t id);  // returns blocks moved

 private:
  void take(std::int64_t blocks);

  std::int64_t total_;
  std::int64_t block_size_;
  std::int64_t watermark_blocks_;
  std::int64_t host_total_;
  std::int64_t used_ = 0;
  std::int64_t peak_used_ = 0;
  std::int64_t host_used_ = 0;
  std::int64_t allocated_ = 0;
  std::int64_t freed_ = 0;
  std::int64_t host_allocated_ = 0;
  std::int64_t host_freed_ = 0;
  BlocksById device_;
  BlocksById host_;
};

}  // namespace lcperf::schedulers::serving
