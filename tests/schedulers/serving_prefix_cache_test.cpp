// Prefix caching: the cache's index and LRU, a hand trace through the scheduler where
// the cached blocks are known (hits counted exactly, prefill tokens = prompt - cached),
// eviction order under pressure, and conservation and determinism through the engine.
#include "schedulers/serving/prefix_cache.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "fake_runtime.hpp"
#include "schedulers/serving/batch_scheduler.hpp"
#include "schedulers/serving/engine.hpp"
#include "schedulers/serving/router.hpp"
#include "test_models.hpp"

namespace lcperf::schedulers::serving {
namespace {

constexpr auto kKv = static_cast<std::size_t>(core::MemoryTag::kv_cache);

TEST(PrefixCache, EntriesAreFoundOnlyOnceComputedAndHitsStopAtTheFirstMiss) {
  PrefixCache c;
  const int a = c.create(10);
  const int b = c.create(11);
  EXPECT_EQ(c.match({10, 11}, 2), 0u);  // written, not yet computed
  c.computed(a);
  c.computed(b);
  EXPECT_EQ(c.match({10, 11, 12}, 3), 2u);
  EXPECT_EQ(c.match({10, 11}, 1), 1u);  // the limit
  EXPECT_EQ(c.match({99, 11}, 2), 0u);  // a chain stops at its first miss
}

TEST(PrefixCache, UnheldEntriesAreEvictedLeastRecentlyUsedFirst) {
  PrefixCache c;
  const int a = c.create(1);
  const int b = c.create(2);
  c.computed(a);
  c.computed(b);
  EXPECT_FALSE(c.evict().has_value());  // both held
  EXPECT_FALSE(c.release(a));           // cached, not freed
  EXPECT_FALSE(c.release(b));
  EXPECT_EQ(c.acquire(1), a);  // a is used again: b is now the oldest unheld
  EXPECT_EQ(c.evict(), b);
  c.retire(b);
  EXPECT_FALSE(c.evict().has_value());  // a is held
  EXPECT_EQ(c.match({1, 2}, 2), 1u);
}

TEST(PrefixCache, AnEntryNeverComputedOrDuplicatedIsFreedWhenLetGo) {
  PrefixCache c;
  const int a = c.create(5);
  EXPECT_TRUE(c.release(a));  // preempted before its block was computed
  c.retire(a);
  const int first = c.create(6);
  const int second = c.create(6);
  c.computed(first);
  c.computed(second);  // the hash is indexed already: the duplicate stays private
  EXPECT_TRUE(c.release(second));
  EXPECT_FALSE(c.release(first));
  EXPECT_EQ(c.indexed_entries(), 1u);
}

// 16-token KV blocks, 64-token prefix blocks (4 KV blocks each).
ServingRequest req(std::int64_t id, std::int64_t prompt, std::int64_t output, std::vector<std::uint64_t> hashes) {
  ServingRequest r{id, 0.0, prompt, output};
  r.prefix_hashes = std::move(hashes);
  r.prefix_block_tokens = 64;
  return r;
}

EngineConfig cache_config() {
  EngineConfig c;
  c.block_size_tokens = 16;
  c.watermark = 0;
  c.max_num_batched_tokens = 4096;
  c.prefill_chunk_tokens = 4096;
  c.prefix_cache = true;
  return c;
}

struct Replay {
  std::map<std::size_t, std::int64_t> prefilled;  // slot -> prompt tokens computed
  std::map<std::size_t, std::int64_t> first_context;  // slot -> context of its first prefill chunk
  std::map<std::size_t, std::int64_t> sampled;
  std::int64_t grown = 0;
  std::int64_t released = 0;
};

// Runs the scheduler until nothing is left; the KV events are summed.
void drain(BatchScheduler& s, Replay& out) {
  while (s.has_work()) {
    const StepPlan plan = s.schedule();
    ASSERT_FALSE(plan.idle());
    for (const ScheduledSeq& item : plan.seqs) {
      if (item.seq.decode) continue;
      if (out.first_context.count(item.slot) == 0) out.first_context[item.slot] = item.seq.context_before;
      out.prefilled[item.slot] += item.seq.q_tokens;
    }
    for (const KvEvent& e : plan.kv_events) (e.kind == KvEvent::Kind::grow ? out.grown : out.released) += e.blocks;
    const StepOutcome done = s.complete(plan);
    for (std::size_t slot : done.sampled) out.sampled[slot] += 1;
    for (const KvEvent& e : done.kv_events) (e.kind == KvEvent::Kind::grow ? out.grown : out.released) += e.blocks;
  }
}

TEST(PrefixCacheScheduler, HandTraceCountsHitsExactlyAndPrefillsOnlyTheUncachedSuffix) {
  // r0 caches its 3 whole prefix blocks (200 tokens: hashes 1 2 3 whole, 4 partial).
  // Then r1 (1 2 9, 150 tokens) finds 1 2; r2 (1 2 3 4, 256 tokens) finds 1 2 3 (its last
  // block is never looked up); r3 (7 8) finds nothing.
  const std::vector<ServingRequest> rs = {req(0, 200, 3, {1, 2, 3, 4}), req(1, 150, 2, {1, 2, 9}),
                                          req(2, 256, 4, {1, 2, 3, 4}), req(3, 100, 1, {7, 8})};
  BatchScheduler s(cache_config(), BlockManager(1000, 16, 0.0), rs);
  Replay out;
  ASSERT_TRUE(s.enqueue(0));
  {
    const StepPlan first = s.schedule();  // r0's whole prefill
    ASSERT_EQ(first.seqs.size(), 1u);
    EXPECT_EQ(first.seqs[0].seq.q_tokens, 200);
    out.prefilled[0] = 200;
    out.first_context[0] = 0;
    for (const KvEvent& e : first.kv_events) out.grown += e.blocks;
    const StepOutcome done = s.complete(first);
    for (std::size_t slot : done.sampled) out.sampled[slot] += 1;
  }
  for (std::size_t slot = 1; slot < rs.size(); ++slot) ASSERT_TRUE(s.enqueue(slot));
  drain(s, out);

  const std::map<std::size_t, std::int64_t> cached = {{0, 0}, {1, 128}, {2, 192}, {3, 0}};
  for (const auto& [slot, tokens] : cached) {
    EXPECT_EQ(out.first_context[slot], tokens) << "r" << slot;
    EXPECT_EQ(out.prefilled[slot], rs[slot].prompt_tokens - tokens) << "r" << slot;
    EXPECT_EQ(s.state(slot).first_cached_tokens, tokens) << "r" << slot;
    EXPECT_EQ(out.sampled[slot], rs[slot].output_tokens) << "r" << slot;  // tokens out = requested
  }
  const PrefixCacheStats& st = s.prefix_stats();
  EXPECT_EQ(st.admissions, 4);
  EXPECT_EQ(st.prompt_blocks, 4 + 3 + 4 + 2);
  EXPECT_EQ(st.hit_blocks, 0 + 2 + 3 + 0);
  EXPECT_EQ(st.hit_tokens, 320);
  EXPECT_EQ(st.prompt_tokens, 706);
  // Entries: r0 1 2 3; r1 9 (150 tokens: 2 whole blocks hit, the third partial: none);
  // r2 4 (now whole); r3 7 (100 tokens: one whole block).
  EXPECT_EQ(st.entries_created, 3 + 0 + 1 + 1);

  // Conservation: every block handed out comes back once the cache is flushed.
  const std::vector<KvEvent> flushed = s.flush_prefix_cache();
  for (const KvEvent& e : flushed) out.released += e.blocks;
  EXPECT_EQ(s.prefix_stats().flushed, 5);
  EXPECT_EQ(s.blocks().used_blocks(), 0);
  EXPECT_EQ(s.blocks().allocated_blocks(), s.blocks().freed_blocks());
  EXPECT_EQ(out.grown, out.released);
  EXPECT_EQ(out.grown, s.blocks().allocated_blocks());
}

TEST(PrefixCacheScheduler, RequestsAdmittedTogetherDoNotReuseBlocksNotYetComputed) {
  const std::vector<ServingRequest> rs = {req(0, 200, 2, {1, 2, 3, 4}), req(1, 200, 2, {1, 2, 3, 5})};
  BatchScheduler s(cache_config(), BlockManager(1000, 16, 0.0), rs);
  ASSERT_TRUE(s.enqueue(0));
  ASSERT_TRUE(s.enqueue(1));
  Replay out;
  drain(s, out);
  EXPECT_EQ(s.prefix_stats().hit_blocks, 0);
  EXPECT_EQ(out.prefilled[1], 200);
}

TEST(PrefixCacheScheduler, AdmissionEvictsTheLeastRecentlyUsedUnheldBlocks) {
  // 30 KV blocks. r0 (1 2 3 whole, 4 partial) and r1 (5 6 7, 8) each leave 3 entries of
  // 4 blocks, let go tail first, r0 before r1: the LRU order is 3 2 1 7 6 5 and 6 blocks
  // are free. r2 (120 tokens) needs one entry (4 blocks) and 56 own tokens (4 blocks):
  // one eviction, r0's block 3. r3 (1 22, 70 tokens) still finds block 1.
  const std::vector<ServingRequest> rs = {req(0, 200, 1, {1, 2, 3, 4}), req(1, 200, 1, {5, 6, 7, 8}),
                                          req(2, 120, 1, {20, 21}), req(3, 70, 1, {1, 22})};
  BatchScheduler s(cache_config(), BlockManager(30, 16, 0.0), rs);
  Replay out;
  for (std::size_t slot = 0; slot < 2; ++slot) {
    ASSERT_TRUE(s.enqueue(slot));
    drain(s, out);
  }
  ASSERT_TRUE(s.enqueue(2));
  drain(s, out);
  EXPECT_EQ(s.prefix_stats().evictions, 1);  // r0's block 3, the oldest
  ASSERT_TRUE(s.enqueue(3));
  drain(s, out);
  EXPECT_EQ(s.state(3).first_cached_tokens, 64);  // block 1 survived
  for (const KvEvent& e : s.flush_prefix_cache()) out.released += e.blocks;
  EXPECT_EQ(out.grown, out.released);
  EXPECT_EQ(s.blocks().allocated_blocks(), s.blocks().freed_blocks());
}

EnginePlan engine_plan(std::int64_t budget_blocks) {
  EnginePlan p;
  p.model = test::tiny_model(false);
  p.config = cache_config();
  p.config.kv_budget_bytes = budget_blocks * 16 * 512 * 4;
  p.config.max_num_batched_tokens = 512;
  p.config.prefill_chunk_tokens = 256;
  // 24 requests, 8 conversations of 3 turns: turn t repeats the previous turns' blocks.
  for (int i = 0; i < 24; ++i) {
    const int conv = i % 8;
    const int turn = i / 8;
    std::vector<std::uint64_t> h = {1000};  // a shared system prompt
    for (int b = 0; b <= 2 * turn + 1; ++b) h.push_back(static_cast<std::uint64_t>(conv * 100 + b));
    ServingRequest r = req(i, static_cast<std::int64_t>(h.size()) * 64 - 10, 3 + i % 5, h);
    r.arrival_s = 0.5 * i;
    p.requests.push_back(r);
  }
  return p;
}

EngineRecords run(const EnginePlan& plan, test::RankLog* log = nullptr) {
  test::FakeWorld world(1, 0.01);
  auto records = std::make_shared<EngineRecords>();
  const std::vector<std::string> errors = world.run({make_engine_program(plan, records)});
  EXPECT_TRUE(errors.empty()) << errors.front();
  if (log != nullptr) *log = world.log(0);
  return *records;
}

TEST(PrefixCacheEngine, ConservesTokensAndBlocksAndGivesCachedMemoryBack) {
  for (std::int64_t budget : {4096, 60}) {  // everything fits; evictions and preemptions
    test::RankLog log;
    const EngineRecords r = run(engine_plan(budget), &log);
    const EngineCounters& c = r.counters;
    EXPECT_EQ(c.blocks_allocated, c.blocks_freed) << budget;
    EXPECT_EQ(log.allocated[kKv], log.released[kKv]) << budget;
    EXPECT_EQ(log.current[kKv], 0) << budget;
    EXPECT_GT(c.prefix.hit_blocks, 0) << budget;
    std::int64_t cached = 0;
    for (const RequestMetrics& m : r.requests) {
      EXPECT_GE(m.finish_s, 0) << budget;
      cached += m.cached_tokens;
    }
    for (std::size_t i = 0; i < r.requests.size(); ++i) EXPECT_EQ(r.token_times_s[i].size(), 3u + i % 5) << budget;
    if (budget == 4096) {
      EXPECT_EQ(c.prefix.evictions, 0);
      EXPECT_EQ(cached, c.prefix.hit_tokens);  // one admission each
    } else {
      EXPECT_GT(c.prefix.evictions, 0);
    }
  }
}

TEST(PrefixCacheEngine, SamePlanSameResult) {
  const EngineRecords a = run(engine_plan(60));
  const EngineRecords b = run(engine_plan(60));
  ASSERT_EQ(a.requests.size(), b.requests.size());
  for (std::size_t i = 0; i < a.requests.size(); ++i) {
    EXPECT_EQ(a.requests[i].finish_s, b.requests[i].finish_s);
    EXPECT_EQ(a.requests[i].cached_tokens, b.requests[i].cached_tokens);
  }
  EXPECT_EQ(a.counters.prefix.hit_tokens, b.counters.prefix.hit_tokens);
  EXPECT_EQ(a.counters.prefix.evictions, b.counters.prefix.evictions);
}

TEST(PrefixCacheEngine, CachingCutsTheTimeToFirstToken) {
  EnginePlan off = engine_plan(4096);
  off.config.prefix_cache = false;
  const EngineRecords with = run(engine_plan(4096));
  const EngineRecords without = run(off);
  double ttft_with = 0;
  double ttft_without = 0;
  for (std::size_t i = 0; i < with.requests.size(); ++i) {
    ttft_with += with.requests[i].first_token_s - with.requests[i].arrival_s;
    ttft_without += without.requests[i].first_token_s - without.requests[i].arrival_s;
  }
  EXPECT_LT(ttft_with, ttft_without);
  EXPECT_EQ(without.counters.prefix.admissions, 0);
}

TEST(PrefixAwareRouting, FollowsTheLongestPrefixWithinTheLoadGuard) {
  // Loads are routed tokens (uncached prompt + output; no drain). r0 -> 0 and r1 -> 1
  // (nothing cached anywhere, least loaded first); r2 shares r1's first two blocks and
  // follows them to 1 although 0 is as loaded; r3 and r4 follow r0's prefix to 0.
  auto at = [](std::int64_t id, double t, std::int64_t prompt, std::vector<std::uint64_t> h) {
    ServingRequest r = req(id, prompt, 1, std::move(h));
    r.arrival_s = t;
    return r;
  };
  const std::vector<ServingRequest> rs = {at(0, 0, 640, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), at(1, 1, 640, {20, 21, 22, 23, 24, 25, 26, 27, 28, 29}),
                                          at(2, 2, 200, {20, 21, 30, 31}), at(3, 3, 200, {1, 2, 40, 41}),
                                          at(4, 4, 200, {1, 2, 50, 51})};
  RoutingOptions o{RoutingPolicy::prefix_aware, 2, 0};
  o.prefix_imbalance = 1.0;
  const Routing r = route_requests(rs, o);
  EXPECT_EQ(r.instance_of, (std::vector<int>{0, 1, 1, 0, 0}));
  // With a long request r5 (prefix 1 2 3 4) before r4, instance 0 is loaded 714 + 3745
  // against 714: beyond the guard (1.0 x 714 + r4's 201 tokens), so r4 goes to 1.
  std::vector<ServingRequest> more = rs;
  more.insert(more.begin() + 4, at(5, 3.5, 4000, {1, 2, 3, 4, 60}));
  const Routing m = route_requests(more, o);
  EXPECT_EQ(m.instance_of[4], 0);  // r5 (input position 4) follows its prefix
  EXPECT_EQ(m.instance_of[5], 1);  // r4
}

}  // namespace
}  // namespace lcperf::schedulers::serving
