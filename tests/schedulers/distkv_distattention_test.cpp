// DistAttention plan and pricing: segments cover each query's visible keys exactly once
// (brute force over random rBlock tables), a hand-worked prefill split, the bytes a
// decode step puts on the network stay flat from 4K to 2M tokens of context while they
// scale with heads, head_dim, batch and holders, and one case's bytes by hand.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <set>
#include <vector>

#include "core/distattention_ops.hpp"
#include "core/errors.hpp"
#include "schedulers/serving/distkv/distattention.hpp"

namespace lcperf::schedulers::serving::distkv {
namespace {

using core::AttentionMask;
using core::AttentionSeq;

// A fixed 64-bit LCG: the random tables must be the same on every platform.
struct Lcg {
  std::uint64_t state;
  std::int64_t below(std::int64_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::int64_t>((state >> 33) % static_cast<std::uint64_t>(n));
  }
};

// rBlocks spread over device pools of instances 0..instances-1 and instance 0's host.
std::vector<BlockRef> random_table(Lcg& rng, std::int64_t blocks, int instances) {
  std::vector<BlockRef> table;
  for (std::int64_t i = 0; i < blocks; ++i) {
    const std::int64_t pick = rng.below(instances + 1);
    table.push_back(pick == instances ? BlockRef{Tier::host, 0, i} : BlockRef{Tier::device, static_cast<int>(pick), i});
  }
  return table;
}

// Positions a segment gives query position p (empty when p is not among its queries).
std::vector<std::int64_t> keys_of(const MicroAttentionSegment& s, std::int64_t p) {
  std::vector<std::int64_t> gathered;
  for (const TokenRange& r : s.keys) {
    for (std::int64_t k = r.begin; k < r.end; ++k) gathered.push_back(k);
  }
  if (p < s.queries.begin || p >= s.queries.end) return {};
  const auto q = s.queries.size();
  const auto kv = static_cast<std::int64_t>(gathered.size());
  const std::int64_t seen = s.mask == AttentionMask::full ? kv : kv - q + (p - s.queries.begin) + 1;
  return {gathered.begin(), gathered.begin() + std::max<std::int64_t>(0, seen)};
}

TEST(DistKvDistAttention, SegmentsCoverEachQuerysVisibleKeysExactlyOnce) {
  Lcg rng{12345};
  for (int trial = 0; trial < 300; ++trial) {
    const std::int64_t bt = 1 + rng.below(8);
    const std::int64_t context = rng.below(60);
    const std::int64_t q = 1 + rng.below(trial % 3 == 0 ? 1 : 25);  // a third are decodes
    const std::int64_t blocks = (context + q + bt - 1) / bt + rng.below(3);
    const std::vector<BlockRef> table = random_table(rng, blocks, 4);
    const int home = static_cast<int>(rng.below(4));
    const DistAttentionPlan plan = plan_dist_attention(7, home, table, bt, context, q);
    SCOPED_TRACE("trial " + std::to_string(trial));
    ASSERT_EQ(plan.queries, (TokenRange{context, context + q}));

    std::set<Holder> holders_seen;
    std::int64_t partial_rows = 0;
    for (const HolderWork& h : plan.holders) {
      ASSERT_TRUE(holders_seen.insert(h.holder).second);
      // Brute force: the keys at positions < context + q in rBlocks of this holder.
      std::vector<std::int64_t> held;
      for (std::int64_t p = 0; p < context + q; ++p) {
        const BlockRef& b = table[static_cast<std::size_t>(p / bt)];
        if (Holder{b.tier, b.instance} == h.holder) held.push_back(p);
      }
      ASSERT_FALSE(held.empty());
      EXPECT_EQ(total_tokens(h.keys), static_cast<std::int64_t>(held.size()));
      EXPECT_EQ(h.remote, h.holder.instance != home);
      double pairs = 0;
      std::int64_t first_query_seeing = context + q;
      for (std::int64_t p = context; p < context + q; ++p) {
        std::multiset<std::int64_t> covered;
        for (const MicroAttentionSegment& s : h.segments) {
          for (std::int64_t k : keys_of(s, p)) covered.insert(k);
        }
        std::multiset<std::int64_t> visible;
        for (std::int64_t k : held) {
          if (k <= p) visible.insert(k);
        }
        ASSERT_EQ(covered, visible) << "query " << p;
        pairs += static_cast<double>(visible.size());
        if (!visible.empty()) first_query_seeing = std::min(first_query_seeing, p);
      }
      EXPECT_DOUBLE_EQ(core::score_pairs(h.work), pairs);
      EXPECT_EQ(h.queries, (TokenRange{first_query_seeing, context + q}));
      EXPECT_EQ(h.work.query_tokens, h.queries.size());
      EXPECT_EQ(h.work.kv_tokens, static_cast<std::int64_t>(held.size()));
      std::int64_t own = 0;
      for (std::int64_t k : held) own += k >= context ? 1 : 0;
      EXPECT_EQ(h.work.appended_tokens, own);
      EXPECT_EQ(total_tokens(h.appended), own);
      if (q == 1) {  // a decode: one call per holder
        EXPECT_EQ(h.segments.size(), 1u);
      }
      partial_rows += h.queries.size();
    }
    EXPECT_EQ(plan.partial_rows(), partial_rows);
  }
}

TEST(DistKvDistAttention, PrefillChunkAcrossThreeHoldersByHand) {
  // 4 tokens per rBlock; rBlocks 0-1 at home (instance 0), 2 on instance 1, 3 on
  // instance 2. A chunk of 8 queries at positions 6..13 after 6 cached tokens.
  const std::vector<BlockRef> table = {
      {Tier::device, 0, 5}, {Tier::device, 0, 9}, {Tier::device, 1, 0}, {Tier::device, 2, 3}};
  const DistAttentionPlan plan = plan_dist_attention(1, 0, table, 4, 6, 8);
  ASSERT_EQ(plan.holders.size(), 3u);

  const HolderWork& home = plan.holders[0];  // keys 0..7: cached 0..5 and the chunk's 6..7
  EXPECT_EQ(home.holder, (Holder{Tier::device, 0}));
  EXPECT_FALSE(home.remote);
  EXPECT_EQ(home.queries, (TokenRange{6, 14}));
  EXPECT_EQ(home.appended, (std::vector<TokenRange>{{6, 8}}));
  EXPECT_EQ(home.work.causal, (std::vector<AttentionSeq>{{2, 2}}));          // 6..7 among themselves
  EXPECT_EQ(home.work.full, (std::vector<AttentionSeq>{{6, 2}, {8, 6}}));    // 8..13 see 6..7; all see 0..5
  EXPECT_DOUBLE_EQ(core::score_pairs(home.work), 3 + 12 + 48);

  const HolderWork& one = plan.holders[1];  // keys 8..11, all of this step
  EXPECT_TRUE(one.remote);
  EXPECT_EQ(one.queries, (TokenRange{8, 14}));
  EXPECT_EQ(one.work.causal, (std::vector<AttentionSeq>{{4, 4}}));
  EXPECT_EQ(one.work.full, (std::vector<AttentionSeq>{{2, 4}}));
  EXPECT_DOUBLE_EQ(core::score_pairs(one.work), 10 + 8);

  const HolderWork& two = plan.holders[2];  // keys 12..13: the tail run
  EXPECT_EQ(two.queries, (TokenRange{12, 14}));
  EXPECT_EQ(two.segments, (std::vector<MicroAttentionSegment>{{{12, 14}, {{12, 14}}, AttentionMask::causal}}));
  EXPECT_TRUE(two.work.full.empty());
  EXPECT_EQ(plan.partial_rows(), 8 + 6 + 2);

  // Bytes with fp16 activations, 2 query heads, 1 KV head, head_dim 4, fp32 partials.
  const core::DistAttentionDims dims{2, 1, 4, core::DType::fp16, core::DType::fp32, 4};
  const DistAttentionTraffic t = step_traffic({plan}, dims);
  // To instance 1: 6 queries x 2 heads x 4 x 2 B = 96, plus 4 appended tokens x K,V x 4 x 2 B = 64.
  // Back: 6 rows x 2 heads x (4 x 4 B + 4 B) = 240. Instance 2: 2 queries (32) + 2 tokens (32); back 80.
  ASSERT_EQ(t.messages.size(), 4u);
  EXPECT_EQ(t.messages[0], (DistAttentionMessage{1, 0, 1, false, 160}));
  EXPECT_EQ(t.messages[1], (DistAttentionMessage{1, 1, 0, true, 240}));
  EXPECT_EQ(t.messages[2], (DistAttentionMessage{1, 0, 2, false, 64}));
  EXPECT_EQ(t.messages[3], (DistAttentionMessage{1, 2, 0, true, 80}));
  EXPECT_EQ(t.network_bytes, 160 + 240 + 64 + 80);
  EXPECT_EQ(t.kv_pull_bytes, 0);  // nothing was cached remotely before the step
}

// A request of `context` cached tokens decoding one token: the first `home_share` of
// its rBlocks at home, the rest spread evenly over `remote` creditors (in order), with
// 16 tokens per rBlock.
DistAttentionPlan decode_plan(std::int64_t request, std::int64_t context, int remote, double home_share) {
  constexpr std::int64_t bt = 16;
  const std::int64_t blocks = (context + 1 + bt - 1) / bt;
  const auto at_home = static_cast<std::int64_t>(static_cast<double>(blocks) * home_share);
  std::vector<BlockRef> table;
  for (std::int64_t i = 0; i < blocks; ++i) {
    const int instance = i < at_home ? 0 : 1 + static_cast<int>((i - at_home) * remote / (blocks - at_home));
    table.push_back({Tier::device, instance, i});
  }
  return plan_dist_attention(request, 0, table, bt, context, 1);
}

// LLaMA-2-13B attention on one GPU: 40 heads (MHA), head_dim 128, fp16 queries.
const core::DistAttentionDims kLlama13b{40, 40, 128, core::DType::fp16, core::DType::fp32, 4};

TEST(DistKvDistAttention, DecodeBytesStayFlatFrom4KTo2MTokensOfContext) {
  std::int64_t first = -1;
  std::int64_t previous_pull = 0;
  for (std::int64_t context = 4096; context <= 2 * 1024 * 1024; context *= 2) {
    const DistAttentionTraffic t = step_traffic({decode_plan(1, context, 3, 0.25)}, kLlama13b);
    SCOPED_TRACE("context " + std::to_string(context));
    std::printf("context %8lld: DistAttention %lld B/layer on the network, pulling the remote KV %lld B/layer\n",
                static_cast<long long>(context), static_cast<long long>(t.network_bytes),
                static_cast<long long>(t.kv_pull_bytes));
    if (first < 0) first = t.network_bytes;
    EXPECT_EQ(t.network_bytes, first);
    EXPECT_EQ(t.messages.size(), 6u);
    EXPECT_GT(t.kv_pull_bytes, previous_pull);  // what DistAttention avoids grows with context
    previous_pull = t.kv_pull_bytes;
  }
  EXPECT_GT(previous_pull, 1000 * first);  // at 2M: three orders of magnitude more to pull
}

TEST(DistKvDistAttention, DecodeBytesScaleWithBatchHoldersHeadsAndHeadDim) {
  const auto bytes = [](const core::DistAttentionDims& d, int batch, int remote) {
    std::vector<DistAttentionPlan> plans;
    for (int b = 0; b < batch; ++b) plans.push_back(decode_plan(b, 300000 + 977 * b, remote, 0.5));
    return step_traffic(plans, d).network_bytes;
  };
  const std::int64_t base = bytes(kLlama13b, 1, 1);
  EXPECT_EQ(bytes(kLlama13b, 8, 1), 8 * base);
  // More holders: each adds a query message and a partial; only the tail holder also
  // receives the new token's K/V.
  const std::int64_t appended = core::query_message_bytes(kLlama13b, 0, 1);
  EXPECT_EQ(bytes(kLlama13b, 1, 4) - appended, 4 * (base - appended));
  core::DistAttentionDims heads = kLlama13b;
  heads.heads_q *= 2;
  heads.heads_kv *= 2;
  EXPECT_EQ(bytes(heads, 1, 1), 2 * base);
  core::DistAttentionDims dim = kLlama13b;
  dim.head_dim *= 2;
  // Everything but the per-head LSE doubles.
  EXPECT_EQ(bytes(dim, 1, 1), 2 * base - kLlama13b.heads_q * kLlama13b.lse_bytes);
}

TEST(DistKvDistAttention, OneDecodeStepsBytesByHand) {
  // LLaMA-2-13B (40 layers), one request with 1M cached tokens: rBlocks 0..16383 at
  // home, then thirds on instances 1, 2, 3; the new token (position 1048576) opens
  // rBlock 65536 on instance 3.
  const DistAttentionPlan plan = decode_plan(1, 1 << 20, 3, 0.25);
  ASSERT_EQ(plan.holders.size(), 4u);
  EXPECT_EQ(plan.holders[3].appended, (std::vector<TokenRange>{{1 << 20, (1 << 20) + 1}}));
  const DistAttentionTraffic t = step_traffic({plan}, kLlama13b);
  // Per remote holder per layer: query 40 x 128 x 2 B = 10240 B out, partial
  // 40 x (128 x 4 B + 4 B) = 20640 B back; the tail holder also gets K and V of the new
  // token, 2 x 40 x 128 x 2 B = 20480 B.
  EXPECT_EQ(t.network_bytes, 3 * 10240 + 20480 + 3 * 20640);
  EXPECT_EQ(40 * t.network_bytes, 4524800);  // a whole decode step: 4.5 MB, whatever the context
  // Pulling the 786432 remote cached tokens' K/V instead: 20480 B each per layer.
  const std::int64_t remote_cached = (1 << 20) - (65537 / 4) * 16;
  EXPECT_EQ(t.kv_pull_bytes, remote_cached * 20480);
}

TEST(DistKvDistAttention, PricingPartsForADecodeStep) {
  const DistAttentionPlan plan = decode_plan(1, 100000, 2, 0.5);
  const auto work = work_by_instance({plan, decode_plan(2, 50000, 1, 1.0)});
  ASSERT_EQ(work.size(), 3u);
  ASSERT_EQ(work.at(0).size(), 2u);  // both requests' home shares
  const std::vector<core::OpPart> home = core::micro_attention_parts(kLlama13b, work.at(0), true);
  ASSERT_EQ(home.size(), 1u);  // one paged-decode call, no remote K/V write
  const auto& a = std::get<core::AttentionShape>(home[0]);
  EXPECT_TRUE(a.paged_decode);
  const std::int64_t home_keys = plan.holders[0].work.kv_tokens;
  EXPECT_EQ(a.seqs, (std::vector<AttentionSeq>{{1, home_keys}, {1, 50001}}));
  EXPECT_DOUBLE_EQ(core::flops_of(home[0]), 4.0 * 40 * 128 * static_cast<double>(home_keys + 50001));

  // The tail holder also writes the new token's K/V it received.
  const std::vector<core::OpPart> tail = core::micro_attention_parts(kLlama13b, work.at(2), true);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(std::get<core::ElementwiseShape>(tail[0]).elements, 2 * 40 * 128);

  // The merge of three partials per query row at home; nothing to merge for one holder.
  const std::vector<core::OpPart> merge = core::merge_parts(kLlama13b, 1, plan.partial_rows());
  ASSERT_EQ(merge.size(), 1u);
  EXPECT_DOUBLE_EQ(core::flops_of(merge[0]), 3.0 * 3 * 40 * 128);
  EXPECT_TRUE(core::merge_parts(kLlama13b, 1, 1).empty());
}

TEST(DistKvDistAttention, HostTierBlocksUseTheHostLinkNotTheNetwork) {
  // rBlocks 0-1 on the home's GPU, 2-3 in the home's host memory, 4 on instance 1.
  const std::vector<BlockRef> table = {{Tier::device, 0, 0}, {Tier::device, 0, 1}, {Tier::host, 0, 0},
                                       {Tier::host, 0, 1}, {Tier::device, 1, 7}};
  const DistAttentionPlan plan = plan_dist_attention(4, 0, table, 16, 70, 1);  // decode at position 70
  ASSERT_EQ(plan.holders.size(), 3u);
  const HolderWork* host = plan.find({Tier::host, 0});
  ASSERT_NE(host, nullptr);
  EXPECT_FALSE(host->remote);
  EXPECT_EQ(host->work.kv_tokens, 32);
  const DistAttentionTraffic t = step_traffic({plan}, kLlama13b);
  EXPECT_EQ(t.host_link_bytes, 32 * 20480);  // K and V of 32 tokens, 40 heads x 128 x 2 B each
  ASSERT_EQ(t.messages.size(), 2u);          // only instance 1 is on the network
  EXPECT_EQ(t.messages[0].to, 1);
  EXPECT_EQ(t.kv_pull_bytes, 6 * 20480);     // positions 64..69 cached on instance 1
  const auto work = work_by_instance({plan});
  EXPECT_EQ(work.at(0).size(), 2u);  // the home's GPU also attends over its host blocks
}

TEST(DistKvDistAttention, TooShortATableIsAnInputError) {
  const std::vector<BlockRef> table = {{Tier::device, 0, 0}, {Tier::device, 1, 0}};
  EXPECT_THROW(plan_dist_attention(1, 0, table, 16, 32, 1), core::InputError);
  EXPECT_NO_THROW(plan_dist_attention(1, 0, table, 16, 31, 1));
  EXPECT_THROW(plan_dist_attention(1, 0, {{Tier::device, -1, 0}}, 16, 0, 1), core::InputError);
}

}  // namespace
}  // namespace lcperf::schedulers::serving::distkv
