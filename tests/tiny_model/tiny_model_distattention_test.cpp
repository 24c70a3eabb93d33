// DistAttention on the tiny model with real weights: the KV cache of two requests is
// placed by the DistKV protocol (rManagers and gManager on the loopback wire) on the
// home's GPU pool, on creditors' pools and in the home's host pool; prefill chunks
// (causal across the split) and decode steps computed as per-holder micro-attentions
// merged at home give the logits of the single-instance model; what crosses between
// instances is exactly what the plan prices.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>
#include <vector>

#include "tiny_model/distattention_check.hpp"
#include "tiny_model/sparse_decode.hpp"
#include "tiny_model/tiny_model.hpp"
#include "tiny_model/training_step.hpp"
#include "core/distattention_ops.hpp"
#include "schedulers/serving/distkv/loopback_cluster.hpp"

namespace lcperf::tiny {
namespace {

using distkv::BlockRef;
using distkv::Holder;
using distkv::Tier;

const TinyConfig kConfig;
constexpr int kBlockTokens = 4;
constexpr int kChunkTokens = 5;  // prefill chunks straddle rBlocks, hence holders
constexpr int kDecodeSteps = 9;
// max |distributed - reference| / max |reference logit|: the same products, summed in
// another order (per holder, then the LSE merge).
constexpr double kLogitTolerance = 1e-5;

double relative_max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(double(b[i])));
  }
  return diff / scale;
}

std::vector<float> rows(const std::vector<float>& m, std::int64_t first, std::int64_t count) {
  return {m.begin() + first * kConfig.vocab, m.begin() + (first + count) * kConfig.vocab};
}

// Three instances of 6 GPU rBlocks each, lending at most 2, with 16 host rBlocks;
// instances 1 and 2 serve requests of their own. Requests 1 and 2 are homed on
// instance 0, which cannot hold them alone.
class DistributedKv {
 public:
  DistributedKv() : cluster_(config()), store_(kConfig, kBlockTokens) {
    cluster_.allocate(1, 100, 2);
    cluster_.allocate(2, 200, 1);
    cluster_.tick();  // heartbeats reach the gManager
    cluster_.deliver_all();
    seqs.push_back({1, 0, {}, 0});
    seqs.push_back({2, 0, {}, 0});
  }

  static distkv::DistKvConfig config() {
    distkv::DistKvConfig c;
    c.instances = 3;
    c.device_blocks = 6;
    c.host_blocks = 16;
    c.lend_cap_blocks = 2;
    c.block_bytes = 2LL * kConfig.layers * kConfig.kv_width() * 4 * kBlockTokens;
    c.reclaim_period_s = 1e6;  // no locality reclaim: blocks stay where they were placed
    return c;
  }

  // The protocol places rBlocks until the sequence can hold `tokens` tokens.
  void grow(DistributedSequence& seq, std::int64_t tokens) {
    const std::int64_t needed = (tokens + kBlockTokens - 1) / kBlockTokens;
    const auto have = static_cast<std::int64_t>(seq.blocks.size());
    if (needed <= have) return;
    cluster_.allocate(seq.home, seq.request, needed - have);
    cluster_.deliver_all();
    ASSERT_EQ(cluster_.outcomes().back().outcome.request, seq.request);
    ASSERT_EQ(cluster_.outcomes().back().outcome.status, distkv::AllocationStatus::ok);
    seq.blocks = cluster_.instance(seq.home).tables().at(seq.request).blocks;
    ASSERT_EQ(static_cast<std::int64_t>(seq.blocks.size()), needed);
  }

  // One step of the given sequences (index into seqs) with their tokens; returns the
  // logits and the plans the step ran.
  std::vector<float> step(const std::vector<std::size_t>& which, const std::vector<std::vector<std::int32_t>>& tokens,
                          WireTally* tally, std::vector<distkv::DistAttentionPlan>* plans) {
    std::vector<DistributedSequence> batch;
    for (std::size_t i = 0; i < which.size(); ++i) {
      DistributedSequence& s = seqs[which[i]];
      grow(s, s.cached_tokens + static_cast<std::int64_t>(tokens[i].size()));
      if (plans != nullptr) {
        plans->push_back(distkv::plan_dist_attention(s.request, s.home, s.blocks, kBlockTokens, s.cached_tokens,
                                                     static_cast<std::int64_t>(tokens[i].size())));
      }
      batch.push_back(s);
    }
    std::vector<float> logits = distributed_step(weights, store_, batch, tokens, tally);
    for (std::size_t i = 0; i < which.size(); ++i) seqs[which[i]] = batch[i];
    return logits;
  }

  std::set<Holder> holders() const {
    std::set<Holder> out;
    for (const DistributedSequence& s : seqs) {
      for (const BlockRef& b : s.blocks) out.insert({b.tier, b.instance});
    }
    return out;
  }

  const SparseTinyModel model = prune_to_tiled_csl(random_weights(kConfig, 41), 0.0);
  const TinyWeights& weights = model.pruned;
  std::vector<DistributedSequence> seqs;

 private:
  distkv::LoopbackCluster cluster_;
  DistributedKvStore store_;
};

struct Prompts {
  std::vector<std::vector<std::int32_t>> tokens;
  std::vector<std::int32_t> decode_tokens[2];
};

Prompts prompts() {
  Prompts p;
  for (const TokenSequence& s : random_sequences({29, 13}, kConfig.vocab, 5)) p.tokens.push_back(s.tokens);
  const auto next = random_sequences({kDecodeSteps, kDecodeSteps}, kConfig.vocab, 6);
  p.decode_tokens[0] = next[0].tokens;
  p.decode_tokens[1] = next[1].tokens;
  return p;
}

std::vector<float> whole_forward_logits(const TinyWeights& w, const std::vector<std::int32_t>& tokens) {
  TokenBlock block;
  block.tokens = tokens;
  block.labels = tokens;
  block.positions.resize(tokens.size());
  std::iota(block.positions.begin(), block.positions.end(), std::int64_t{0});
  block.seq_lens = {static_cast<std::int32_t>(tokens.size())};
  return forward_block(w, block, {}).logits;
}

// fp32 everywhere, as the CPU check computes.
const core::DistAttentionDims kFp32Dims{kConfig.heads_q, kConfig.heads_kv, kConfig.head_dim, core::DType::fp32,
                                        core::DType::fp32, 4};

// Per step: bytes the executor moved between instances (all layers), and what the
// plan's messages price for the same step (one layer, times the layers).
struct WireCheck {
  std::vector<std::int64_t> moved, priced;
  void add(const WireTally& tally, const std::vector<distkv::DistAttentionPlan>& plans) {
    moved.push_back(4 * (tally.query_floats + tally.appended_floats + tally.partial_floats));
    priced.push_back(kConfig.layers * distkv::step_traffic(plans, kFp32Dims).network_bytes);
  }
};

// Both prompts in chunks of kChunkTokens, one mixed step per round; each chunk's logits
// checked against the whole forward of its prompt. Returns the worst relative error and
// whether some chunk's own tokens went to more than one holder.
double prefill_in_chunks(DistributedKv& kv, const Prompts& p, bool* chunk_split_across_holders,
                         WireCheck* wire = nullptr) {
  const std::vector<float> reference[2] = {whole_forward_logits(kv.weights, p.tokens[0]),
                                           whole_forward_logits(kv.weights, p.tokens[1])};
  double worst = 0;
  for (std::int64_t start = 0;; start += kChunkTokens) {
    std::vector<std::size_t> which;
    std::vector<std::vector<std::int32_t>> tokens;
    for (std::size_t s = 0; s < 2; ++s) {
      const auto len = static_cast<std::int64_t>(p.tokens[s].size());
      if (start >= len) continue;
      which.push_back(s);
      tokens.emplace_back(p.tokens[s].begin() + start, p.tokens[s].begin() + std::min(len, start + kChunkTokens));
    }
    if (which.empty()) break;
    std::vector<distkv::DistAttentionPlan> plans;
    WireTally tally;
    const std::vector<float> logits = kv.step(which, tokens, &tally, &plans);
    if (wire != nullptr) wire->add(tally, plans);
    std::int64_t row = 0;
    for (std::size_t i = 0; i < which.size(); ++i) {
      const auto n = static_cast<std::int64_t>(tokens[i].size());
      worst = std::max(worst, relative_max_diff(rows(logits, row, n), rows(reference[which[i]], start, n)));
      row += n;
      int holders_with_own = 0;
      for (const distkv::HolderWork& h : plans[i].holders) holders_with_own += h.appended.empty() ? 0 : 1;
      if (holders_with_own > 1) *chunk_split_across_holders = true;
    }
  }
  return worst;
}

TEST(TinyModelDistAttention, PrefillChunksOverBorrowedBlocksMatchTheWholeForward) {
  DistributedKv kv;
  const Prompts p = prompts();
  bool split = false;
  const double err = prefill_in_chunks(kv, p, &split);
  std::printf("distributed prefill chunks vs whole forward: max|diff|/max|logit| = %.3e\n", err);
  EXPECT_LE(err, kLogitTolerance);
  EXPECT_TRUE(split);  // the causal mask really was split between holders
  // The protocol spread the KV: the home's GPU, both creditors and the home's host pool.
  EXPECT_EQ(kv.holders(), (std::set<Holder>{{Tier::device, 0}, {Tier::device, 1}, {Tier::device, 2}, {Tier::host, 0}}));
  EXPECT_GT(kv.seqs[0].blocks.size(), DistributedKv::config().device_blocks);  // bigger than its home
}

TEST(TinyModelDistAttention, DecodeStepsOverBorrowedBlocksMatchTheSingleInstanceStep) {
  DistributedKv kv;
  const Prompts p = prompts();
  bool split = false;
  prefill_in_chunks(kv, p, &split);
  PagedKvCache reference = prefill_paged_cache(kv.weights, p.tokens, kBlockTokens, kDecodeSteps, 3);
  double worst = 0;
  for (int t = 0; t < kDecodeSteps; ++t) {
    const std::vector<std::int32_t> next = {p.decode_tokens[0][std::size_t(t)], p.decode_tokens[1][std::size_t(t)]};
    const std::vector<float> logits = kv.step({0, 1}, {{next[0]}, {next[1]}}, nullptr, nullptr);
    const std::vector<float> expected = decode_step(kv.model, LinearPath::dense_gemm, reference, next);
    worst = std::max(worst, relative_max_diff(logits, expected));
  }
  std::printf("distributed decode vs single-instance paged decode, %d steps: max|diff|/max|logit| = %.3e\n",
              kDecodeSteps, worst);
  EXPECT_LE(worst, kLogitTolerance);
  EXPECT_EQ(kv.seqs[0].cached_tokens, 29 + kDecodeSteps);
  EXPECT_EQ(kv.seqs[1].cached_tokens, 13 + kDecodeSteps);
}

TEST(TinyModelDistAttention, WhatCrossesBetweenInstancesIsWhatThePlanPrices) {
  DistributedKv kv;
  const Prompts p = prompts();
  bool split = false;
  WireCheck wire;
  prefill_in_chunks(kv, p, &split, &wire);
  for (int t = 0; t < 3; ++t) {
    WireTally tally;
    std::vector<distkv::DistAttentionPlan> plans;
    kv.step({0, 1}, {{p.decode_tokens[0][std::size_t(t)]}, {p.decode_tokens[1][std::size_t(t)]}}, &tally, &plans);
    wire.add(tally, plans);
  }
  EXPECT_EQ(wire.moved, wire.priced);
  EXPECT_GT(*std::max_element(wire.priced.begin(), wire.priced.end()), 0);
  EXPECT_GT(wire.priced.back(), 0);  // the decode steps talk to creditors
}

}  // namespace
}  // namespace lcperf::tiny
