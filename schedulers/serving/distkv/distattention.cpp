#include "schedulers/serving/distkv/distattention.hpp"

#include <algorithm>
#include <string>

#include "core/errors.hpp"

namespace lcperf::schedulers::serving::distkv {

namespace {

// Appends [begin, end) to ascending ranges, joining it to the last one when adjacent.
void append_range(std::vector<TokenRange>& ranges, std::int64_t begin, std::int64_t end) {
  if (begin >= end) return;
  if (!ranges.empty() && ranges.back().end == begin) {
    ranges.back().end = end;
  } else {
    ranges.push_back({begin, end});
  }
}

// The parts of ascending ranges inside [lo, hi).
std::vector<TokenRange> clip(const std::vector<TokenRange>& ranges, std::int64_t lo, std::int64_t hi) {
  std::vector<TokenRange> out;
  for (const TokenRange& r : ranges) append_range(out, std::max(r.begin, lo), std::min(r.end, hi));
  return out;
}

std::vector<TokenRange> joined(std::vector<TokenRange> a, const std::vector<TokenRange>& b) {
  for (const TokenRange& r : b) append_range(a, r.begin, r.end);
  return a;
}

void add_segment(HolderWork& h, TokenRange queries, std::vector<TokenRange> keys, core::AttentionMask mask) {
  if (queries.size() <= 0 || total_tokens(keys) <= 0) return;
  const core::AttentionSeq seq{queries.size(), total_tokens(keys)};
  (mask == core::AttentionMask::causal ? h.work.causal : h.work.full).push_back(seq);
  h.segments.push_back({queries, std::move(keys), mask});
}

// The segments of one holder. Past keys (before the step) are seen by every query. A run
// of this step's own positions [a, e) held here is seen causally by queries [a, e) and
// fully by the queries after it; the run that reaches the last query also carries the
// past keys for the queries from a on (one bottom-right causal call), so a decode is a
// single call per holder.
void build_segments(HolderWork& h, const TokenRange& q) {
  const std::vector<TokenRange> past = clip(h.keys, 0, q.begin);
  const std::vector<TokenRange> own = clip(h.keys, q.begin, q.end);
  bool tail_carries_past = false;
  for (const TokenRange& run : own) {
    if (run.end == q.end) {
      add_segment(h, {run.begin, q.end}, joined(past, {run}), core::AttentionMask::causal);
      add_segment(h, {q.begin, run.begin}, past, core::AttentionMask::full);
      tail_carries_past = true;
    } else {
      add_segment(h, run, {run}, core::AttentionMask::causal);
      add_segment(h, {run.end, q.end}, {run}, core::AttentionMask::full);
    }
  }
  if (!tail_carries_past) add_segment(h, q, past, core::AttentionMask::full);
  std::int64_t first_query = q.end;
  for (const MicroAttentionSegment& s : h.segments) first_query = std::min(first_query, s.queries.begin);
  h.queries = {first_query, q.end};
  h.appended = own;
  h.work.query_tokens = h.queries.size();
  h.work.kv_tokens = total_tokens(h.keys);
  h.work.appended_tokens = total_tokens(own);
  h.work.remote = h.remote;
}

}  // namespace

std::int64_t total_tokens(const std::vector<TokenRange>& ranges) {
  std::int64_t n = 0;
  for (const TokenRange& r : ranges) n += r.size();
  return n;
}

std::int64_t DistAttentionPlan::partial_rows() const {
  std::int64_t rows = 0;
  for (const HolderWork& h : holders) rows += h.queries.size();
  return rows;
}

const HolderWork* DistAttentionPlan::find(const Holder& holder) const {
  for (const HolderWork& h : holders) {
    if (h.holder == holder) return &h;
  }
  return nullptr;
}

DistAttentionPlan plan_dist_attention(std::int64_t request, int home, const std::vector<BlockRef>& blocks,
                                      std::int64_t block_tokens, std::int64_t context_before, std::int64_t q_tokens) {
  const std::string where = "distattention plan for request " + std::to_string(request) + ": ";
  if (block_tokens < 1 || q_tokens < 1 || context_before < 0) {
    throw core::InputError(where + "needs block_tokens >= 1, q_tokens >= 1 and context_before >= 0");
  }
  const std::int64_t end = context_before + q_tokens;
  const auto needed = static_cast<std::size_t>((end + block_tokens - 1) / block_tokens);
  if (blocks.size() < needed) {
    throw core::InputError(where + std::to_string(blocks.size()) + " rBlocks of " + std::to_string(block_tokens) +
                           " tokens cannot hold " + std::to_string(end) + " tokens");
  }
  std::map<Holder, HolderWork> by_holder;
  for (std::size_t i = 0; i < needed; ++i) {
    const BlockRef& b = blocks[i];
    if (b.instance < 0 || b.slot < 0) {
      throw core::InputError(where + "logical rBlock " + std::to_string(i) + " has no physical slot");
    }
    const Holder holder{b.tier, b.instance};
    HolderWork& h = by_holder[holder];
    h.holder = holder;
    h.remote = b.instance != home;
    const auto first = static_cast<std::int64_t>(i) * block_tokens;
    append_range(h.keys, first, std::min(first + block_tokens, end));
  }
  DistAttentionPlan plan;
  plan.request = request;
  plan.home = home;
  plan.queries = {context_before, end};
  for (auto& [holder, h] : by_holder) {
    build_segments(h, plan.queries);
    plan.holders.push_back(std::move(h));
  }
  return plan;
}

DistAttentionTraffic step_traffic(const std::vector<DistAttentionPlan>& plans, const core::DistAttentionDims& dims) {
  DistAttentionTraffic t;
  for (const DistAttentionPlan& p : plans) {
    for (const HolderWork& h : p.holders) {
      if (h.holder.tier == Tier::host) {
        // The cached K/V cross the host link to the GPU that attends over them, and the
        // appended tokens' K/V cross back into their host rBlocks: once per key either way.
        t.host_link_bytes += core::kv_pull_bytes(dims, h.work.kv_tokens);
      }
      if (!h.remote) continue;
      const DistAttentionMessage out{p.request, p.home, h.holder.instance, false,
                                     core::query_message_bytes(dims, h.work.query_tokens, h.work.appended_tokens)};
      const DistAttentionMessage back{p.request, h.holder.instance, p.home, true,
                                      core::partial_message_bytes(dims, h.work.query_tokens)};
      t.messages.push_back(out);
      t.messages.push_back(back);
      t.network_bytes += out.bytes + back.bytes;
      t.kv_pull_bytes += core::kv_pull_bytes(dims, h.work.kv_tokens - h.work.appended_tokens);
    }
  }
  return t;
}

std::map<int, std::vector<core::MicroAttentionWork>> work_by_instance(const std::vector<DistAttentionPlan>& plans) {
  std::map<int, std::vector<core::MicroAttentionWork>> out;
  for (const DistAttentionPlan& p : plans) {
    for (const HolderWork& h : p.holders) out[h.holder.instance].push_back(h.work);
  }
  return out;
}

}  // namespace lcperf::schedulers::serving::distkv
