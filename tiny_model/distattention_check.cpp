#include "tiny_model/distattention_check.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "tiny_model/linear.hpp"
#include "core/errors.hpp"
#include "kernels/attention.hpp"
#include "kernels/attention_merge.hpp"
#include "kernels/norms.hpp"
#include "kernels/rotary.hpp"
#include "kernels/swiglu.hpp"

namespace lcperf::tiny {

namespace {

using Floats = std::vector<float>;

std::size_t sz(std::int64_t n) { return static_cast<std::size_t>(n); }
std::ptrdiff_t at(std::int64_t n) { return static_cast<std::ptrdiff_t>(n); }

constexpr float kNoKeys = -std::numeric_limits<float>::infinity();

// An attention result for `rows` query tokens: out [rows, heads_q, head_dim], lse [rows, heads_q].
struct Partial {
  Floats out, lse;
  Partial(std::int64_t rows, const TinyConfig& c)
      : out(sz(rows * c.q_width()), 0.0f), lse(sz(rows * c.heads_q), kNoKeys) {}
};

// Merges `part` (covering query rows [first, first + part rows)) into `acc` in place.
void merge_into(Partial& acc, std::int64_t first, const Partial& part, const TinyConfig& c) {
  const std::int64_t rows = static_cast<std::int64_t>(part.lse.size()) / c.heads_q;
  float* acc_out = acc.out.data() + first * c.q_width();
  float* acc_lse = acc.lse.data() + first * c.heads_q;
  const float* outs[2] = {acc_out, part.out.data()};
  const float* lses[2] = {acc_lse, part.lse.data()};
  Partial merged(rows, c);
  kernels::merge_attention_parts_cpu(2, rows * c.heads_q, c.head_dim, outs, lses, merged.out.data(),
                                     merged.lse.data());
  std::copy(merged.out.begin(), merged.out.end(), acc_out);
  std::copy(merged.lse.begin(), merged.lse.end(), acc_lse);
}

// One holder's micro-attention for one sequence: its segments, each an attention call
// over the keys gathered from the rBlocks it holds, merged into one partial over the
// step's query rows (rows the holder is not asked about stay empty).
Partial holder_partial(const TinyConfig& c, DistributedKvStore& store, int layer, const DistributedSequence& seq,
                       const distkv::HolderWork& holder, const Floats& q_rows, std::int64_t step_tokens) {
  const std::int64_t first_position = seq.cached_tokens;
  const int bt = store.block_tokens();
  kernels::AttentionDims dims;
  dims.heads_q = c.heads_q;
  dims.heads_kv = c.heads_kv;
  dims.head_dim = c.head_dim;
  Partial acc(step_tokens, c);
  for (const distkv::MicroAttentionSegment& s : holder.segments) {
    const std::int64_t q_len = s.queries.size();
    const std::int64_t kv_len = distkv::total_tokens(s.keys);
    Floats k(sz(kv_len * c.kv_width())), v(k.size());
    std::int64_t row = 0;
    for (const distkv::TokenRange& r : s.keys) {
      for (std::int64_t p = r.begin; p < r.end; ++p, ++row) {
        const distkv::BlockRef& ref = seq.blocks[sz(p / bt)];
        if (distkv::Holder{ref.tier, ref.instance} != holder.holder) {
          throw std::logic_error("distattention check: a segment names a key its holder does not hold");
        }
        std::copy_n(store.k_row(layer, ref, p % bt), c.kv_width(), k.begin() + at(row * c.kv_width()));
        std::copy_n(store.v_row(layer, ref, p % bt), c.kv_width(), v.begin() + at(row * c.kv_width()));
      }
    }
    const std::int64_t q_first = s.queries.begin - first_position;
    const Floats q(q_rows.begin() + at(q_first * c.q_width()), q_rows.begin() + at((q_first + q_len) * c.q_width()));
    dims.causal = s.mask == core::AttentionMask::causal;
    const std::int32_t cu_q[2] = {0, static_cast<std::int32_t>(q_len)};
    const std::int32_t cu_kv[2] = {0, static_cast<std::int32_t>(kv_len)};
    Partial part(q_len, c);
    kernels::attention_fwd_cpu(dims, {1, cu_q, cu_kv}, q.data(), k.data(), v.data(), part.out.data(),
                               part.lse.data());
    merge_into(acc, q_first, part, c);
  }
  return acc;
}

// Attention output rows [step tokens, q_width] of one sequence by DistAttention: the
// new K/V written into their rBlocks, one partial per holder, merged at home.
Floats dist_attention(const TinyConfig& c, DistributedKvStore& store, int layer, const DistributedSequence& seq,
                      const distkv::DistAttentionPlan& plan, const Floats& q, const Floats& k, const Floats& v,
                      WireTally* tally) {
  const std::int64_t n = plan.queries.size();
  const int bt = store.block_tokens();
  for (std::int64_t t = 0; t < n; ++t) {
    const std::int64_t pos = seq.cached_tokens + t;
    const distkv::BlockRef& ref = seq.blocks[sz(pos / bt)];
    std::copy_n(k.begin() + at(t * c.kv_width()), c.kv_width(), store.k_row(layer, ref, pos % bt));
    std::copy_n(v.begin() + at(t * c.kv_width()), c.kv_width(), store.v_row(layer, ref, pos % bt));
  }
  std::vector<Partial> partials;
  for (const distkv::HolderWork& h : plan.holders) {
    partials.push_back(holder_partial(c, store, layer, seq, h, q, n));
    if (tally != nullptr && h.remote) {
      // What the wire carries: the rows the holder is asked about, and what it returns for them.
      tally->query_floats += h.queries.size() * c.q_width();
      tally->appended_floats += distkv::total_tokens(h.appended) * 2 * c.kv_width();
      tally->partial_floats += h.queries.size() * c.heads_q * (c.head_dim + 1);
    }
  }
  std::vector<const float*> outs, lses;
  for (const Partial& p : partials) {
    outs.push_back(p.out.data());
    lses.push_back(p.lse.data());
  }
  Partial merged(n, c);
  kernels::merge_attention_parts_cpu(static_cast<int>(partials.size()), n * c.heads_q, c.head_dim, outs.data(),
                                     lses.data(), merged.out.data(), merged.lse.data());
  return merged.out;
}

Floats columns(const Floats& m, std::int64_t rows, int stride, int from, int width) {
  Floats out(sz(rows * width));
  for (std::int64_t r = 0; r < rows; ++r) {
    std::copy_n(m.begin() + at(r * stride + from), width, out.begin() + at(r * width));
  }
  return out;
}

}  // namespace

DistributedKvStore::DistributedKvStore(const TinyConfig& config, int block_tokens)
    : config_(config), block_tokens_(block_tokens) {
  validate(config);
  if (block_tokens < 1) throw core::InputError("distributed KV store: block_tokens must be >= 1");
}

float* DistributedKvStore::k_row(int layer, const distkv::BlockRef& ref, std::int64_t offset) {
  return row(true, layer, ref, offset);
}
float* DistributedKvStore::v_row(int layer, const distkv::BlockRef& ref, std::int64_t offset) {
  return row(false, layer, ref, offset);
}

float* DistributedKvStore::row(bool keys, int layer, const distkv::BlockRef& ref, std::int64_t offset) {
  if (ref.instance < 0 || ref.slot < 0 || offset < 0 || offset >= block_tokens_ || layer < 0 ||
      layer >= config_.layers) {
    throw std::out_of_range("distributed KV store: no such row");
  }
  Pool& pool = pools_[distkv::Holder{ref.tier, ref.instance}];
  if (pool.k.empty()) {
    pool.k.resize(sz(config_.layers));
    pool.v.resize(sz(config_.layers));
  }
  std::vector<float>& data = (keys ? pool.k : pool.v)[sz(layer)];
  const std::size_t block_floats = sz(block_tokens_) * sz(config_.kv_width());
  const std::size_t needed = (sz(ref.slot) + 1) * block_floats;
  if (data.size() < needed) data.resize(needed, 0.0f);
  return data.data() + sz(ref.slot) * block_floats + sz(offset) * sz(config_.kv_width());
}

std::vector<float> distributed_step(const TinyWeights& w, DistributedKvStore& store,
                                    std::vector<DistributedSequence>& seqs,
                                    const std::vector<std::vector<std::int32_t>>& tokens, WireTally* tally) {
  const TinyConfig& c = w.config;
  if (tokens.size() != seqs.size()) throw core::InputError("distributed step: one token list per sequence");
  std::vector<distkv::DistAttentionPlan> plans;
  std::vector<std::int64_t> positions;
  std::vector<std::int32_t> all_tokens;
  std::vector<std::int64_t> first_row;  // of each sequence in the step's rows
  for (std::size_t s = 0; s < seqs.size(); ++s) {
    const DistributedSequence& seq = seqs[s];
    const auto n = static_cast<std::int64_t>(tokens[s].size());
    if (n == 0) throw core::InputError("distributed step: sequence " + std::to_string(seq.request) + " has no tokens");
    plans.push_back(distkv::plan_dist_attention(seq.request, seq.home, seq.blocks, store.block_tokens(),
                                                seq.cached_tokens, n));
    first_row.push_back(static_cast<std::int64_t>(all_tokens.size()));
    for (std::int64_t t = 0; t < n; ++t) {
      const std::int32_t token = tokens[s][sz(t)];
      if (token < 0 || token >= c.vocab) throw core::InputError("distributed step: token outside the vocabulary");
      all_tokens.push_back(token);
      positions.push_back(seq.cached_tokens + t);
    }
  }
  const auto rows = static_cast<std::int64_t>(all_tokens.size());
  Floats x(sz(rows * c.hidden));
  for (std::int64_t r = 0; r < rows; ++r) {
    std::copy_n(w.embedding.begin() + at(static_cast<std::int64_t>(all_tokens[sz(r)]) * c.hidden), c.hidden,
                x.begin() + at(r * c.hidden));
  }
  Floats h(x.size()), o(x.size());
  for (int l = 0; l < c.layers; ++l) {
    const LayerWeights& lw = w.layers[sz(l)];
    kernels::rmsnorm_cpu(rows, c.hidden, x.data(), lw.attn_norm.data(), c.norm_eps, h.data());
    Floats qkv(sz(rows * c.qkv_width()));
    linear_fwd({rows, c.hidden, c.qkv_width()}, h.data(), lw.wqkv.data(), qkv.data());
    Floats q = columns(qkv, rows, c.qkv_width(), 0, c.q_width());
    Floats k = columns(qkv, rows, c.qkv_width(), c.q_width(), c.kv_width());
    const Floats v = columns(qkv, rows, c.qkv_width(), c.q_width() + c.kv_width(), c.kv_width());
    kernels::rotary_cpu(rows, c.heads_q, c.head_dim, positions.data(), c.rope_theta, q.data(), q.data());
    kernels::rotary_cpu(rows, c.heads_kv, c.head_dim, positions.data(), c.rope_theta, k.data(), k.data());
    Floats attn(sz(rows * c.q_width()));
    for (std::size_t s = 0; s < seqs.size(); ++s) {
      const std::int64_t r0 = first_row[s];
      const std::int64_t n = plans[s].queries.size();
      const auto slice = [&](const Floats& m, int width) {
        return Floats(m.begin() + at(r0 * width), m.begin() + at((r0 + n) * width));
      };
      const Floats out = dist_attention(c, store, l, seqs[s], plans[s], slice(q, c.q_width()),
                                        slice(k, c.kv_width()), slice(v, c.kv_width()), tally);
      std::copy(out.begin(), out.end(), attn.begin() + at(r0 * c.q_width()));
    }
    linear_fwd({rows, c.q_width(), c.hidden}, attn.data(), lw.wo.data(), o.data());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += o[i];
    kernels::rmsnorm_cpu(rows, c.hidden, x.data(), lw.mlp_norm.data(), c.norm_eps, h.data());
    Floats gate_up(sz(rows * 2 * c.ffn)), act(sz(rows * c.ffn));
    linear_fwd({rows, c.hidden, 2 * c.ffn}, h.data(), lw.w_gate_up.data(), gate_up.data());
    kernels::swiglu_cpu(rows, c.ffn, gate_up.data(), act.data());
    linear_fwd({rows, c.ffn, c.hidden}, act.data(), lw.w_down.data(), o.data());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += o[i];
  }
  kernels::rmsnorm_cpu(rows, c.hidden, x.data(), w.final_norm.data(), c.norm_eps, h.data());
  Floats logits(sz(rows * c.vocab));
  linear_fwd({rows, c.hidden, c.vocab}, h.data(), w.lm_head.data(), logits.data());
  for (std::size_t s = 0; s < seqs.size(); ++s) seqs[s].cached_tokens += plans[s].queries.size();
  return logits;
}

}  // namespace lcperf::tiny
