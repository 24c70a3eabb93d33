#pragma once
// DistAttention executed for real on the tiny model: the KV cache of each request lies
// in the rBlocks its rBlock table names (on the home's GPU pool, on creditors' pools,
// or in host pools, as the DistKV protocol placed them); each holder runs the
// micro-attention segments of schedulers/serving/distkv/distattention.hpp over the
// blocks it holds (with LSE), merges its segments into one partial, and the home merges
// the holders' partials with kernels/attention_merge.hpp. Everything else of the step
// (norms, projections, RoPE, MLP, LM head) is the model's ordinary computation, so the
// logits must equal a single-instance step up to float summation order.
//
// The "instances" share one process; what crosses between them is counted (WireTally)
// so it can be checked against the plan's message sizes.
#include <cstdint>
#include <map>
#include <vector>

#include "tiny_model/tiny_weights.hpp"
#include "schedulers/serving/distkv/distattention.hpp"
#include "schedulers/serving/distkv/rblock.hpp"

namespace lcperf::tiny {

namespace distkv = schedulers::serving::distkv;

// The KV memory of every instance: per (tier, instance) pool and per layer,
// [slots, block_tokens, heads_kv, head_dim] floats. Pools grow to the highest slot used.
class DistributedKvStore {
 public:
  DistributedKvStore(const TinyConfig& config, int block_tokens);

  int block_tokens() const { return block_tokens_; }
  // The K (or V) row of one token: `ref` names the physical rBlock, `offset` the token in it.
  float* k_row(int layer, const distkv::BlockRef& ref, std::int64_t offset);
  float* v_row(int layer, const distkv::BlockRef& ref, std::int64_t offset);

 private:
  float* row(bool keys, int layer, const distkv::BlockRef& ref, std::int64_t offset);

  TinyConfig config_;
  int block_tokens_;
  struct Pool {
    std::vector<std::vector<float>> k, v;  // per layer
  };
  std::map<distkv::Holder, Pool> pools_;
};

// A request as its home sees it: its rBlock table and how many of its tokens are cached.
struct DistributedSequence {
  std::int64_t request = -1;
  int home = -1;
  std::vector<distkv::BlockRef> blocks;
  std::int64_t cached_tokens = 0;
};

// Floats moved between instances (home <-> remote holders), summed over layers.
struct WireTally {
  std::int64_t query_floats = 0;     // queries sent to remote holders
  std::int64_t appended_floats = 0;  // new tokens' K and V written into remote rBlocks
  std::int64_t partial_floats = 0;   // partial outputs and LSEs sent back
};

// One step: sequence s takes `tokens[s]` (one token for a decode, several for a prefill
// chunk) at positions cached_tokens onwards; its rBlocks must already cover them. The
// new K/V go into those rBlocks, attention runs as DistAttention, cached_tokens grow.
// Returns the logits [sum of tokens, vocab], sequences in order. Throws
// core::InputError for a sequence without tokens or rBlocks too few for them.
std::vector<float> distributed_step(const TinyWeights& weights, DistributedKvStore& store,
                                    std::vector<DistributedSequence>& seqs,
                                    const std::vector<std::vector<std::int32_t>>& tokens, WireTally* tally = nullptr);

}  // namespace lcperf::tiny
