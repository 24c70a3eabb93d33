// The scheduler's prefix-caching half (prefix_cache.hpp): admission with a cached
// prefix, cache entries in the KV pool, eviction, and letting go of entries.
//
// Block accounting: a request's own blocks (block manager key = its slot) cover its
// tokens beyond `cache_tokens`; each cache entry holds the blocks of one prefix block
// under its own key (entry_key), mirrored to memory on KV slot entry_slot. Only whole
// prefix blocks are cached, and the last prefix block of a prompt is never looked up
// (it is partial, or it holds the token whose logits the prefill must produce), so a
// prefill always computes at least one token.
#include <algorithm>

#include "schedulers/serving/batch_scheduler.hpp"

namespace lcperf::schedulers::serving {

namespace {

std::int64_t key_of(std::size_t slot) { return static_cast<std::int64_t>(slot); }

}  // namespace

void BatchScheduler::attach_prefix(std::size_t slot) {
  RequestState& s = states_[slot];
  const std::vector<std::uint64_t>& hashes = s.request.prefix_hashes;
  if (hashes.empty() || cache_block_tokens_ <= 0) return;
  const std::int64_t h = cache_block_tokens_;
  const auto usable = static_cast<std::size_t>((s.request.prompt_tokens - 1) / h);
  const std::size_t hits = cache_->match(hashes, usable);
  for (std::size_t i = 0; i < hits; ++i) s.prefix_entries.push_back(cache_->acquire(hashes[i]));
  s.computed = static_cast<std::int64_t>(hits) * h;
  s.cache_tokens = s.computed;
}

bool BatchScheduler::allocate_prompt(StepPlan& plan, std::size_t slot) {
  RequestState& s = states_[slot];
  if (!cache_) {
    if (!blocks_.can_allocate(s.prefill_target)) return false;
    plan.kv_events.push_back({slot, KvEvent::Kind::grow, blocks_.allocate(key_of(slot), s.prefill_target)});
    return true;
  }
  const std::vector<std::uint64_t>& hashes = s.request.prefix_hashes;
  const std::int64_t h = std::max<std::int64_t>(1, cache_block_tokens_);
  const std::size_t full =
      hashes.empty() ? 0 : std::min(hashes.size(), static_cast<std::size_t>(s.request.prompt_tokens / h));
  const std::size_t hits = s.prefix_entries.size();
  const std::int64_t per_entry = blocks_.blocks_for_tokens(h);
  const std::int64_t own = s.prefill_target - static_cast<std::int64_t>(full) * h;
  const std::int64_t need = static_cast<std::int64_t>(full - hits) * per_entry + blocks_.blocks_for_tokens(own);
  while (blocks_.free_blocks() - need < blocks_.watermark_blocks()) {
    if (!evict_one(plan.kv_events)) return false;
  }
  for (std::size_t i = hits; i < full; ++i) {
    const int id = cache_->create(hashes[i]);
    plan.kv_events.push_back({entry_slot(id), KvEvent::Kind::grow, blocks_.allocate(entry_key(id), h)});
    s.prefix_entries.push_back(id);
    ++prefix_stats_.entries_created;
  }
  s.cache_tokens = static_cast<std::int64_t>(full) * h;
  plan.kv_events.push_back({slot, KvEvent::Kind::grow, blocks_.allocate(key_of(slot), own)});
  PrefixCacheStats& st = prefix_stats_;
  st.admissions += 1;
  st.prompt_blocks += static_cast<std::int64_t>(hashes.size());
  st.hit_blocks += static_cast<std::int64_t>(hits);
  st.prompt_tokens += s.request.prompt_tokens;
  st.hit_tokens += static_cast<std::int64_t>(hits) * h;
  if (s.first_cached_tokens < 0) s.first_cached_tokens = static_cast<std::int64_t>(hits) * h;
  return true;
}

void BatchScheduler::detach_prefix(std::vector<KvEvent>& events, std::size_t slot) {
  RequestState& s = states_[slot];
  // Last block first: a prompt's tail then ages out of the LRU before its head, which
  // more requests share.
  for (auto it = s.prefix_entries.rbegin(); it != s.prefix_entries.rend(); ++it) {
    if (!cache_->release(*it)) continue;
    events.push_back({entry_slot(*it), KvEvent::Kind::release, blocks_.free(entry_key(*it))});
    cache_->retire(*it);
  }
  s.prefix_entries.clear();
  s.cache_tokens = 0;
}

bool BatchScheduler::evict_one(std::vector<KvEvent>& events) {
  if (!cache_) return false;
  const std::optional<int> id = cache_->evict();
  if (!id) return false;
  events.push_back({entry_slot(*id), KvEvent::Kind::release, blocks_.free(entry_key(*id))});
  cache_->retire(*id);
  ++prefix_stats_.evictions;
  return true;
}

void BatchScheduler::index_computed(std::size_t slot) {
  const RequestState& s = states_[slot];
  const std::int64_t h = cache_block_tokens_;
  for (std::size_t i = 0; i < s.prefix_entries.size(); ++i) {
    if (static_cast<std::int64_t>(i + 1) * h > s.computed) break;
    cache_->computed(s.prefix_entries[i]);
  }
}

std::vector<KvEvent> BatchScheduler::flush_prefix_cache() {
  std::vector<KvEvent> events;
  if (!cache_) return events;
  while (evict_one(events)) ++prefix_stats_.flushed;
  prefix_stats_.evictions -= prefix_stats_.flushed;
  for (const KvEvent& e : events) prefix_stats_.flushed_blocks += e.blocks;
  return events;
}

}  // namespace lcperf::schedulers::serving
