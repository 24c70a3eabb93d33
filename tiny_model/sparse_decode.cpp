#include "tiny_model/sparse_decode.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "tiny_model/linear.hpp"
#include "tiny_model/tiny_model.hpp"
#include "core/errors.hpp"
#include "kernels/norms.hpp"
#include "kernels/paged_decode.hpp"
#include "kernels/rotary.hpp"
#include "kernels/swiglu.hpp"

namespace lcperf::tiny {

namespace {

using Floats = std::vector<float>;

std::size_t sz(std::int64_t n) { return static_cast<std::size_t>(n); }

// Prunes `w` ([out, in]) in place, encodes it, and leaves in `w` the fp16 values the
// encoding holds, so the dense reference multiplies by exactly what the SpMM does.
kernels::TiledCsl prune_and_encode(const std::string& name, int out, int in, double sparsity, Floats& w) {
  if (out % kernels::kCslTileM != 0 || in % kernels::kCslTileK != 0) {
    throw core::InputError("sparse tiny model: " + name + " is " + std::to_string(out) + " x " + std::to_string(in) +
                           ", not on the Tiled-CSL grid of " + std::to_string(kernels::kCslTileM) + " x " +
                           std::to_string(kernels::kCslTileK) + " tiles");
  }
  kernels::magnitude_prune_cpu(out, in, sparsity, w.data());
  kernels::TiledCsl csl = kernels::tiled_csl_from_dense(out, in, w.data());
  kernels::tiled_csl_to_dense(csl, w.data());
  return csl;
}

// y = x W^T for `rows` tokens through the chosen path.
void apply(LinearPath path, const Floats& dense, const kernels::TiledCsl& csl, std::int64_t rows, int in, int out,
           const float* x, float* y) {
  if (path == LinearPath::tiled_csl_spmm) {
    kernels::spmm_tiled_csl_cpu(csl, rows, x, y);
  } else {
    linear_fwd({rows, in, out}, x, dense.data(), y);
  }
}

}  // namespace

SparseTinyModel prune_to_tiled_csl(const TinyWeights& dense, double sparsity) {
  if (!(sparsity >= 0.0 && sparsity < 1.0)) {
    throw core::InputError("sparse tiny model: sparsity must be in [0, 1) (got " + std::to_string(sparsity) + ")");
  }
  const TinyConfig& c = dense.config;
  SparseTinyModel m;
  m.pruned = dense;
  for (int l = 0; l < c.layers; ++l) {
    LayerWeights& w = m.pruned.layers[sz(l)];
    const std::string p = "layer" + std::to_string(l) + ".";
    SparseTinyModel::Layer layer;
    layer.wqkv = prune_and_encode(p + "wqkv", c.qkv_width(), c.hidden, sparsity, w.wqkv);
    layer.wo = prune_and_encode(p + "wo", c.hidden, c.q_width(), sparsity, w.wo);
    layer.w_gate_up = prune_and_encode(p + "w_gate_up", 2 * c.ffn, c.hidden, sparsity, w.w_gate_up);
    layer.w_down = prune_and_encode(p + "w_down", c.hidden, c.ffn, sparsity, w.w_down);
    m.layers.push_back(std::move(layer));
  }
  m.lm_head = prune_and_encode("lm_head", c.vocab, c.hidden, sparsity, m.pruned.lm_head);
  return m;
}

PagedKvCache prefill_paged_cache(const TinyWeights& weights, const std::vector<std::vector<std::int32_t>>& contexts,
                                 int block_size, int extra_tokens, std::uint64_t seed) {
  const TinyConfig& c = weights.config;
  if (contexts.empty() || block_size < 1 || extra_tokens < 0) {
    throw core::InputError("paged prefill: needs at least one context, block_size >= 1 and extra_tokens >= 0");
  }
  PagedKvCache cache;
  cache.block_size = block_size;
  std::vector<int> blocks_of;
  for (const auto& ctx : contexts) {
    if (ctx.empty()) throw core::InputError("paged prefill: a context has no tokens");
    const auto capacity = static_cast<int>(ctx.size()) + extra_tokens;
    blocks_of.push_back((capacity + block_size - 1) / block_size);
    cache.seq_lens.push_back(static_cast<std::int32_t>(ctx.size()));
  }
  cache.max_blocks_per_seq = *std::max_element(blocks_of.begin(), blocks_of.end());
  const int total_blocks = std::accumulate(blocks_of.begin(), blocks_of.end(), 0);
  std::vector<std::int32_t> physical(sz(total_blocks));
  std::iota(physical.begin(), physical.end(), 0);
  std::uint64_t state = seed;
  for (std::size_t i = physical.size(); i > 1; --i) {  // Fisher-Yates on a 64-bit LCG
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    std::swap(physical[i - 1], physical[sz(static_cast<std::int64_t>((state >> 33) % i))]);
  }
  cache.block_table.assign(sz(contexts.size()) * sz(cache.max_blocks_per_seq), -1);
  std::size_t next = 0;
  for (std::size_t b = 0; b < contexts.size(); ++b) {
    for (int j = 0; j < blocks_of[b]; ++j) cache.block_table[b * sz(cache.max_blocks_per_seq) + sz(j)] = physical[next++];
  }
  const std::size_t layer_floats = sz(total_blocks) * sz(block_size) * sz(c.kv_width());
  cache.k.assign(sz(c.layers), Floats(layer_floats, 0.0f));
  cache.v.assign(sz(c.layers), Floats(layer_floats, 0.0f));

  for (std::size_t b = 0; b < contexts.size(); ++b) {
    TokenBlock block;
    block.tokens = contexts[b];
    block.labels = contexts[b];  // the loss is not used; any in-vocabulary labels do
    block.positions.resize(contexts[b].size());
    std::iota(block.positions.begin(), block.positions.end(), std::int64_t{0});
    block.seq_lens = {static_cast<std::int32_t>(contexts[b].size())};
    const BlockActivations acts = forward_block(weights, block, {});
    for (int l = 0; l < c.layers; ++l) {
      for (std::int64_t t = 0; t < block.size(); ++t) {
        const std::int32_t phys = cache.block_table[b * sz(cache.max_blocks_per_seq) + sz(t / block_size)];
        const std::size_t at = (sz(phys) * sz(block_size) + sz(t % block_size)) * sz(c.kv_width());
        const auto from = static_cast<std::ptrdiff_t>(t * c.kv_width());
        const LayerActivations& a = acts.layers[sz(l)];
        std::copy_n(a.k.begin() + from, c.kv_width(), cache.k[sz(l)].begin() + static_cast<std::ptrdiff_t>(at));
        std::copy_n(a.v.begin() + from, c.kv_width(), cache.v[sz(l)].begin() + static_cast<std::ptrdiff_t>(at));
      }
    }
  }
  return cache;
}

std::vector<float> decode_step(const SparseTinyModel& model, LinearPath path, PagedKvCache& cache,
                               const std::vector<std::int32_t>& tokens) {
  const TinyWeights& w = model.pruned;
  const TinyConfig& c = w.config;
  const int batch = cache.batch();
  if (static_cast<int>(tokens.size()) != batch) {
    throw core::InputError("decode step: " + std::to_string(tokens.size()) + " tokens for a batch of " +
                           std::to_string(batch));
  }
  std::vector<std::int64_t> positions;
  for (int b = 0; b < batch; ++b) {
    if (tokens[sz(b)] < 0 || tokens[sz(b)] >= c.vocab) throw core::InputError("decode step: token outside the vocabulary");
    if (cache.seq_lens[sz(b)] >= cache.max_blocks_per_seq * cache.block_size ||
        cache.block_table[sz(b) * sz(cache.max_blocks_per_seq) + sz(cache.seq_lens[sz(b)] / cache.block_size)] < 0) {
      throw core::InputError("decode step: sequence " + std::to_string(b) + " has no cache slot left");
    }
    positions.push_back(cache.seq_lens[sz(b)]);
  }
  std::vector<std::int32_t> lens_with_new(cache.seq_lens);
  for (auto& n : lens_with_new) ++n;

  Floats x(sz(batch) * sz(c.hidden));
  for (int b = 0; b < batch; ++b) {
    std::copy_n(w.embedding.begin() + static_cast<std::ptrdiff_t>(tokens[sz(b)]) * c.hidden, c.hidden,
                x.begin() + static_cast<std::ptrdiff_t>(b * c.hidden));
  }
  kernels::AttentionDims dims;
  dims.heads_q = c.heads_q;
  dims.heads_kv = c.heads_kv;
  dims.head_dim = c.head_dim;
  Floats h(x.size()), out(x.size());
  for (int l = 0; l < c.layers; ++l) {
    const LayerWeights& lw = w.layers[sz(l)];
    const SparseTinyModel::Layer& sl = model.layers[sz(l)];
    kernels::rmsnorm_cpu(batch, c.hidden, x.data(), lw.attn_norm.data(), c.norm_eps, h.data());
    Floats qkv(sz(batch) * sz(c.qkv_width()));
    apply(path, lw.wqkv, sl.wqkv, batch, c.hidden, c.qkv_width(), h.data(), qkv.data());
    Floats q(sz(batch) * sz(c.q_width())), k(sz(batch) * sz(c.kv_width())), v(k.size());
    for (int b = 0; b < batch; ++b) {
      const auto row = qkv.begin() + static_cast<std::ptrdiff_t>(b * c.qkv_width());
      std::copy_n(row, c.q_width(), q.begin() + static_cast<std::ptrdiff_t>(b * c.q_width()));
      std::copy_n(row + c.q_width(), c.kv_width(), k.begin() + static_cast<std::ptrdiff_t>(b * c.kv_width()));
      std::copy_n(row + c.q_width() + c.kv_width(), c.kv_width(), v.begin() + static_cast<std::ptrdiff_t>(b * c.kv_width()));
    }
    kernels::rotary_cpu(batch, c.heads_q, c.head_dim, positions.data(), c.rope_theta, q.data(), q.data());
    kernels::rotary_cpu(batch, c.heads_kv, c.head_dim, positions.data(), c.rope_theta, k.data(), k.data());
    for (int b = 0; b < batch; ++b) {  // the new token's K/V go into its page first: it attends to itself
      const std::int64_t pos = positions[sz(b)];
      const std::int32_t phys = cache.block_table[sz(b) * sz(cache.max_blocks_per_seq) + sz(pos / cache.block_size)];
      const std::size_t at = (sz(phys) * sz(cache.block_size) + sz(pos % cache.block_size)) * sz(c.kv_width());
      std::copy_n(k.begin() + static_cast<std::ptrdiff_t>(b * c.kv_width()), c.kv_width(),
                  cache.k[sz(l)].begin() + static_cast<std::ptrdiff_t>(at));
      std::copy_n(v.begin() + static_cast<std::ptrdiff_t>(b * c.kv_width()), c.kv_width(),
                  cache.v[sz(l)].begin() + static_cast<std::ptrdiff_t>(at));
    }
    kernels::PagedKv paged;
    paged.k_cache = cache.k[sz(l)].data();
    paged.v_cache = cache.v[sz(l)].data();
    paged.block_size = cache.block_size;
    paged.block_table = cache.block_table.data();
    paged.max_blocks_per_seq = cache.max_blocks_per_seq;
    paged.seq_lens = lens_with_new.data();
    Floats attn(q.size()), lse(sz(batch) * sz(c.heads_q));
    kernels::paged_decode_attention_cpu(dims, batch, q.data(), paged, attn.data(), lse.data());
    apply(path, lw.wo, sl.wo, batch, c.q_width(), c.hidden, attn.data(), out.data());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += out[i];
    kernels::rmsnorm_cpu(batch, c.hidden, x.data(), lw.mlp_norm.data(), c.norm_eps, h.data());
    Floats gate_up(sz(batch) * sz(2 * c.ffn)), act(sz(batch) * sz(c.ffn));
    apply(path, lw.w_gate_up, sl.w_gate_up, batch, c.hidden, 2 * c.ffn, h.data(), gate_up.data());
    kernels::swiglu_cpu(batch, c.ffn, gate_up.data(), act.data());
    apply(path, lw.w_down, sl.w_down, batch, c.ffn, c.hidden, act.data(), out.data());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += out[i];
  }
  kernels::rmsnorm_cpu(batch, c.hidden, x.data(), w.final_norm.data(), c.norm_eps, h.data());
  Floats logits(sz(batch) * sz(c.vocab));
  apply(path, w.lm_head, model.lm_head, batch, c.hidden, c.vocab, h.data(), logits.data());
  cache.seq_lens = lens_with_new;
  return logits;
}

}  // namespace lcperf::tiny
