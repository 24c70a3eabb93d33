#pragma once
// DistAttention plan (DistKV-LLM, shared/reference/distkv-llm.md §2): for one request and
// one step (a decode token or a prefill chunk), which instance runs which
// micro-attention over the rBlocks it holds, which queries it receives and which new
// K/V it stores, and what the home merges. Pure functions of the rBlock table; the
// counts become op parts and message sizes through core/distattention_ops.hpp.
//
// Token positions are absolute inside the request's sequence: logical rBlock i holds
// positions [i * block_tokens, (i + 1) * block_tokens). A step's queries are positions
// [context_before, context_before + q_tokens); their own K/V are written into the rBlocks
// that hold those positions before attention runs (a query attends to itself), so the
// holder of such a block receives them along with the queries.
//
// Segments make the causal mask exact across the split: a query at position p sees the
// keys at positions <= p, wherever they live. Per holder, each query's visible keys are
// covered by exactly one segment (the tests check it against brute force).
#include <compare>
#include <cstdint>
#include <map>
#include <vector>

#include "core/distattention_ops.hpp"
#include "core/ops.hpp"
#include "schedulers/serving/distkv/rblock.hpp"

namespace lcperf::schedulers::serving::distkv {

struct TokenRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;  // exclusive
  std::int64_t size() const { return end - begin; }
  bool operator==(const TokenRange&) const = default;
};

std::int64_t total_tokens(const std::vector<TokenRange>& ranges);

// Whose memory a micro-attention reads. A device holder runs it on its own GPU; a host
// holder's blocks are read over the host link by that instance's GPU.
struct Holder {
  Tier tier = Tier::device;
  int instance = -1;
  auto operator<=>(const Holder&) const = default;
};

// One attention call of a holder: `queries` against the keys at `keys` (ascending,
// disjoint), gathered in position order. causal: bottom-right aligned over the gathered
// keys (query i of q sees the first kv - q + i + 1 of them); full: every key.
struct MicroAttentionSegment {
  TokenRange queries;
  std::vector<TokenRange> keys;
  core::AttentionMask mask = core::AttentionMask::full;
  bool operator==(const MicroAttentionSegment&) const = default;
};

struct HolderWork {
  Holder holder;
  bool remote = false;                         // holder.instance != home
  std::vector<TokenRange> keys;                // positions it holds that some query sees
  TokenRange queries;                          // the queries it receives and answers
  std::vector<TokenRange> appended;            // this step's positions whose K/V it stores
  std::vector<MicroAttentionSegment> segments;
  core::MicroAttentionWork work;               // the same, as counts for pricing
};

struct DistAttentionPlan {
  std::int64_t request = -1;
  int home = -1;
  TokenRange queries;
  std::vector<HolderWork> holders;  // ascending by (tier, instance); only holders with keys

  // Partial result rows the home receives (and merges): sum of the holders' queries.
  std::int64_t partial_rows() const;
  const HolderWork* find(const Holder& holder) const;
};

// Throws core::InputError when the table is too short for the step's tokens, a block has
// no instance, block_tokens < 1, q_tokens < 1 or context_before < 0.
DistAttentionPlan plan_dist_attention(std::int64_t request, int home, const std::vector<BlockRef>& blocks,
                                      std::int64_t block_tokens, std::int64_t context_before, std::int64_t q_tokens);

// What one step's DistAttention puts on the wire (per layer, per TP rank): for every
// request and every remote holder, one message home -> holder (queries and appended K/V)
// and one message holder -> home (partials and LSEs).
struct DistAttentionMessage {
  std::int64_t request = -1;
  int from = -1;
  int to = -1;
  bool partials = false;  // false: queries (+ appended K/V) out; true: partial results back
  std::int64_t bytes = 0;
  bool operator==(const DistAttentionMessage&) const = default;
};

struct DistAttentionTraffic {
  std::vector<DistAttentionMessage> messages;  // plans in order, holders in order, out before back
  std::int64_t network_bytes = 0;              // sum of the messages
  std::int64_t host_link_bytes = 0;            // K/V read from (and appended to) host-tier blocks
  std::int64_t kv_pull_bytes = 0;              // what pulling the remote holders' K/V home would move
};

DistAttentionTraffic step_traffic(const std::vector<DistAttentionPlan>& plans, const core::DistAttentionDims& dims);

// Per instance, the micro-attentions it runs in the step (for its own requests and for
// the debtors it lends to), plans in order. Host-tier work runs on its instance's GPU.
std::map<int, std::vector<core::MicroAttentionWork>> work_by_instance(const std::vector<DistAttentionPlan>& plans);

}  // namespace lcperf::schedulers::serving::distkv
