#pragma once
// A block-level prefix cache for one serving instance (vLLM's automatic prefix caching,
// SGLang's radix cache at block granularity), keyed by the prompts' prefix-block hashes
// (ServingRequest::prefix_hashes). This class is the index and the LRU; the blocks an
// entry holds are allocated by the scheduler in the instance's one KV pool
// (batch_scheduler_prefix.cpp), so cached blocks compete with running requests and
// unreferenced ones are freed on demand.
//
// An entry is one full prefix block. It is created when a request is admitted, held by
// that request, and becomes findable (indexed) only once the step that computes its
// tokens has completed, so no request ever reuses KV that is not written yet. A request
// admitted later that starts with the same hashes holds the entry too and prefills only
// what follows. An entry nobody holds stays cached (in LRU order) until its blocks are
// needed; an entry that was never computed (its request was preempted mid-prefill) or
// whose hash another entry indexed first is freed as soon as nobody holds it.
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

namespace lcperf::schedulers::serving {

class PrefixCache {
 public:
  // Leading hashes of `hashes[0 .. limit)` that are indexed (a hit chain stops at the
  // first miss: a block's KV depends on everything before it).
  std::size_t match(const std::vector<std::uint64_t>& hashes, std::size_t limit) const;
  // Holds the indexed entry of `hash` (it leaves the LRU while held); returns its id.
  int acquire(std::uint64_t hash);
  // A new entry for `hash`, held once, not yet findable; returns its id.
  int create(std::uint64_t hash);
  // Its tokens are in the KV cache now: it becomes findable, unless another entry with
  // the same hash already is (it then stays private to its holders).
  void computed(int id);
  // Lets go of one hold. True when the entry must be freed now (nobody holds it and it
  // is not findable); the caller frees its blocks and calls retire().
  bool release(int id);
  // The least recently used entry nobody holds, taken out of the index; nullopt when
  // there is none. The caller frees its blocks and calls retire().
  std::optional<int> evict();
  void retire(int id);  // its id may be reused

  std::size_t live_entries() const { return entries_.size() - free_ids_.size(); }
  std::size_t indexed_entries() const { return index_.size(); }

 private:
  struct Entry {
    std::uint64_t hash = 0;
    int holders = 0;
    bool indexed = false;
    bool in_lru = false;
    std::list<int>::iterator lru;
  };
  std::vector<Entry> entries_;
  std::vector<int> free_ids_;  // reused last-in first-out: deterministic
  std::unordered_map<std::uint64_t, int> index_;  // only looked up, never iterated
  std::list<int> lru_;  // front = least recently used
};

// What an instance's prefix cache did over a run. Block counts are prefix blocks
// (prefix_block_tokens each); a recomputed request's admissions count again.
struct PrefixCacheStats {
  std::int64_t admissions = 0;       // requests admitted with the cache on
  std::int64_t prompt_blocks = 0;    // their prefix blocks (hashes)
  std::int64_t hit_blocks = 0;       // found cached
  std::int64_t prompt_tokens = 0;
  std::int64_t hit_tokens = 0;       // prefill tokens not computed
  std::int64_t entries_created = 0;  // blocks written into the cache
  std::int64_t evictions = 0;        // entries freed for room (LRU)
  std::int64_t flushed = 0;          // entries still cached when the run ended
  std::int64_t flushed_blocks = 0;   // their KV blocks (freed by the end-of-run flush)
};

}  // namespace lcperf::schedulers::serving
