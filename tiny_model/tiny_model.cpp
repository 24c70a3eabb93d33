#include "tiny_model/tiny_model.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "tiny_model/linear.hpp"
#include "kernels/attention.hpp"
#include "kernels/cross_entropy.hpp"
#include "kernels/norms.hpp"
#include "kernels/norms_backward.hpp"
#include "kernels/rotary.hpp"
#include "kernels/swiglu.hpp"
#include "kernels/swiglu_backward.hpp"

namespace lcperf::tiny {

namespace {

using Floats = std::vector<float>;

std::size_t sz(std::int64_t n) { return static_cast<std::size_t>(n); }

kernels::AttentionDims attention_dims(const TinyConfig& c) {
  kernels::AttentionDims d;
  d.heads_q = c.heads_q;
  d.heads_kv = c.heads_kv;
  d.head_dim = c.head_dim;
  d.causal = true;
  return d;
}

// Query and key offsets of the attention call: one sequence after its prefix, or the
// packed sequences side by side.
struct AttentionLayout {
  std::vector<std::int32_t> cu_q, cu_kv;
  kernels::VarlenBatch batch() const {
    return {static_cast<int>(cu_q.size()) - 1, cu_q.data(), cu_kv.data()};
  }
};

AttentionLayout attention_layout(const TokenBlock& block) {
  AttentionLayout l;
  l.cu_q.push_back(0);
  l.cu_kv.push_back(0);
  if (block.prefix_tokens > 0) {
    l.cu_q.push_back(static_cast<std::int32_t>(block.size()));
    l.cu_kv.push_back(static_cast<std::int32_t>(block.prefix_tokens + block.size()));
    return l;
  }
  for (std::int32_t len : block.seq_lens) {
    l.cu_q.push_back(l.cu_q.back() + len);
    l.cu_kv.push_back(l.cu_kv.back() + len);
  }
  return l;
}

// The keys (or values) attention reads: the prefix rows, then the block's own.
Floats with_prefix(const float* prefix, std::int64_t prefix_rows, const Floats& own, int width) {
  Floats all(sz(prefix_rows * width));
  if (prefix_rows > 0) std::copy(prefix, prefix + prefix_rows * width, all.begin());
  all.insert(all.end(), own.begin(), own.end());
  return all;
}

// Copies columns [from, from + width) of a [rows, stride] matrix, or adds them back.
Floats columns(const Floats& m, std::int64_t rows, int stride, int from, int width) {
  Floats out(sz(rows * width));
  for (std::int64_t r = 0; r < rows; ++r) {
    std::copy_n(m.begin() + static_cast<std::ptrdiff_t>(r * stride + from), width,
                out.begin() + static_cast<std::ptrdiff_t>(r * width));
  }
  return out;
}
void put_columns(Floats& m, std::int64_t rows, int stride, int from, int width, const Floats& part) {
  for (std::int64_t r = 0; r < rows; ++r) {
    std::copy_n(part.begin() + static_cast<std::ptrdiff_t>(r * width), width,
                m.begin() + static_cast<std::ptrdiff_t>(r * stride + from));
  }
}

void add_into(Floats& a, const Floats& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
}

void check_prefix(const TinyConfig& c, const TokenBlock& block, const KvPrefix& prefix) {
  if (block.prefix_tokens > 0 &&
      (prefix.k.size() != sz(c.layers) || prefix.v.size() != sz(c.layers))) {
    throw std::invalid_argument("tiny model: a block with a KV prefix needs the prefix K/V of every layer");
  }
}

}  // namespace

BlockActivations forward_block(const TinyWeights& w, const TokenBlock& block, const KvPrefix& prefix) {
  const TinyConfig& c = w.config;
  validate(block, c.vocab);
  check_prefix(c, block, prefix);
  const std::int64_t t = block.size();
  const std::int64_t p = block.prefix_tokens;
  const AttentionLayout layout = attention_layout(block);
  const kernels::AttentionDims dims = attention_dims(c);

  BlockActivations acts;
  Floats x(sz(t * c.hidden));
  for (std::int64_t i = 0; i < t; ++i) {
    std::copy_n(w.embedding.begin() + static_cast<std::ptrdiff_t>(block.tokens[sz(i)]) * c.hidden, c.hidden,
                x.begin() + static_cast<std::ptrdiff_t>(i * c.hidden));
  }
  for (int l = 0; l < c.layers; ++l) {
    const LayerWeights& lw = w.layers[sz(l)];
    LayerActivations a;
    a.x_in = x;
    a.h_attn.resize(x.size());
    kernels::rmsnorm_cpu(t, c.hidden, x.data(), lw.attn_norm.data(), c.norm_eps, a.h_attn.data());
    Floats qkv(sz(t * c.qkv_width()));
    linear_fwd({t, c.hidden, c.qkv_width()}, a.h_attn.data(), lw.wqkv.data(), qkv.data());
    a.q = columns(qkv, t, c.qkv_width(), 0, c.q_width());
    a.k = columns(qkv, t, c.qkv_width(), c.q_width(), c.kv_width());
    a.v = columns(qkv, t, c.qkv_width(), c.q_width() + c.kv_width(), c.kv_width());
    kernels::rotary_cpu(t, c.heads_q, c.head_dim, block.positions.data(), c.rope_theta, a.q.data(), a.q.data());
    kernels::rotary_cpu(t, c.heads_kv, c.head_dim, block.positions.data(), c.rope_theta, a.k.data(), a.k.data());
    const Floats keys = with_prefix(p > 0 ? prefix.k[sz(l)] : nullptr, p, a.k, c.kv_width());
    const Floats values = with_prefix(p > 0 ? prefix.v[sz(l)] : nullptr, p, a.v, c.kv_width());
    a.attn.resize(sz(t * c.q_width()));
    a.lse.resize(sz(t * c.heads_q));
    kernels::attention_fwd_cpu(dims, layout.batch(), a.q.data(), keys.data(), values.data(), a.attn.data(),
                               a.lse.data());
    Floats o(x.size());
    linear_fwd({t, c.q_width(), c.hidden}, a.attn.data(), lw.wo.data(), o.data());
    a.x_mid = a.x_in;
    add_into(a.x_mid, o);
    a.h_mlp.resize(x.size());
    kernels::rmsnorm_cpu(t, c.hidden, a.x_mid.data(), lw.mlp_norm.data(), c.norm_eps, a.h_mlp.data());
    a.gate_up.resize(sz(t * 2 * c.ffn));
    linear_fwd({t, c.hidden, 2 * c.ffn}, a.h_mlp.data(), lw.w_gate_up.data(), a.gate_up.data());
    a.act.resize(sz(t * c.ffn));
    kernels::swiglu_cpu(t, c.ffn, a.gate_up.data(), a.act.data());
    Floats m(x.size());
    linear_fwd({t, c.ffn, c.hidden}, a.act.data(), lw.w_down.data(), m.data());
    x = a.x_mid;
    add_into(x, m);
    acts.layers.push_back(std::move(a));
  }
  acts.x_final = x;
  acts.h_final.resize(x.size());
  kernels::rmsnorm_cpu(t, c.hidden, x.data(), w.final_norm.data(), c.norm_eps, acts.h_final.data());
  acts.logits.resize(sz(t * c.vocab));
  linear_fwd({t, c.hidden, c.vocab}, acts.h_final.data(), w.lm_head.data(), acts.logits.data());
  acts.loss_sum = kernels::cross_entropy_sum_cpu(t, c.vocab, acts.logits.data(), block.labels.data());
  return acts;
}

void backward_block(const TinyWeights& w, const TokenBlock& block, const KvPrefix& prefix,
                    const BlockActivations& acts, float loss_scale, const KvOwnGrad& own_grad, TinyWeights& grads,
                    const KvPrefixGrad& prefix_grad) {
  const TinyConfig& c = w.config;
  validate(block, c.vocab);
  check_prefix(c, block, prefix);
  const std::int64_t t = block.size();
  const std::int64_t p = block.prefix_tokens;
  if (p > 0 && (prefix_grad.dk.size() != sz(c.layers) || prefix_grad.dv.size() != sz(c.layers))) {
    throw std::invalid_argument("tiny model: a block with a KV prefix needs somewhere to put the prefix gradients");
  }
  const AttentionLayout layout = attention_layout(block);
  const kernels::AttentionDims dims = attention_dims(c);
  std::vector<std::int64_t> back_positions(block.positions.size());
  std::transform(block.positions.begin(), block.positions.end(), back_positions.begin(),
                 [](std::int64_t pos) { return -pos; });

  Floats dlogits(acts.logits.size());
  kernels::cross_entropy_bwd_cpu(t, c.vocab, acts.logits.data(), block.labels.data(), loss_scale, dlogits.data());
  Floats dh(sz(t * c.hidden)), dx(sz(t * c.hidden));
  linear_bwd({t, c.hidden, c.vocab}, acts.h_final.data(), w.lm_head.data(), dlogits.data(), dh.data(),
             grads.lm_head.data());
  kernels::rmsnorm_bwd_cpu(t, c.hidden, acts.x_final.data(), w.final_norm.data(), c.norm_eps, dh.data(), dx.data(),
                           grads.final_norm.data());

  for (int l = c.layers - 1; l >= 0; --l) {
    const LayerWeights& lw = w.layers[sz(l)];
    LayerWeights& lg = grads.layers[sz(l)];
    const LayerActivations& a = acts.layers[sz(l)];
    // MLP: x_out = x_mid + down(swiglu(gate_up(norm(x_mid)))).
    Floats dact(sz(t * c.ffn));
    linear_bwd({t, c.ffn, c.hidden}, a.act.data(), lw.w_down.data(), dx.data(), dact.data(), lg.w_down.data());
    Floats dgate_up(a.gate_up.size());
    kernels::swiglu_bwd_cpu(t, c.ffn, a.gate_up.data(), dact.data(), dgate_up.data());
    linear_bwd({t, c.hidden, 2 * c.ffn}, a.h_mlp.data(), lw.w_gate_up.data(), dgate_up.data(), dh.data(),
               lg.w_gate_up.data());
    Floats dx_mid(dx.size());
    kernels::rmsnorm_bwd_cpu(t, c.hidden, a.x_mid.data(), lw.mlp_norm.data(), c.norm_eps, dh.data(), dx_mid.data(),
                             lg.mlp_norm.data());
    add_into(dx_mid, dx);

    // Attention: x_mid = x_in + o(attention(rope(q), rope(k) after the prefix, v)).
    Floats dattn(a.attn.size());
    linear_bwd({t, c.q_width(), c.hidden}, a.attn.data(), lw.wo.data(), dx_mid.data(), dattn.data(), lg.wo.data());
    const Floats keys = with_prefix(p > 0 ? prefix.k[sz(l)] : nullptr, p, a.k, c.kv_width());
    const Floats values = with_prefix(p > 0 ? prefix.v[sz(l)] : nullptr, p, a.v, c.kv_width());
    Floats dq(a.q.size()), dk_all(keys.size()), dv_all(values.size());
    kernels::attention_bwd_cpu(dims, layout.batch(), a.q.data(), keys.data(), values.data(), a.attn.data(),
                               a.lse.data(), dattn.data(), dq.data(), dk_all.data(), dv_all.data());
    const std::int64_t prefix_floats = p * c.kv_width();
    if (p > 0) {  // the earlier chunks' share, consumed when their own backward runs
      float* dk_prefix = prefix_grad.dk[sz(l)];
      float* dv_prefix = prefix_grad.dv[sz(l)];
      for (std::int64_t i = 0; i < prefix_floats; ++i) {
        dk_prefix[i] += dk_all[sz(i)];
        dv_prefix[i] += dv_all[sz(i)];
      }
    }
    Floats dk(dk_all.begin() + prefix_floats, dk_all.end());
    Floats dv(dv_all.begin() + prefix_floats, dv_all.end());
    const auto injected = [&](const std::vector<const float*>& from) {
      return from.size() > sz(l) ? from[sz(l)] : nullptr;
    };
    if (const float* later = injected(own_grad.dk)) {
      for (std::size_t i = 0; i < dk.size(); ++i) dk[i] += later[i];
    }
    if (const float* later = injected(own_grad.dv)) {
      for (std::size_t i = 0; i < dv.size(); ++i) dv[i] += later[i];
    }
    kernels::rotary_cpu(t, c.heads_q, c.head_dim, back_positions.data(), c.rope_theta, dq.data(), dq.data());
    kernels::rotary_cpu(t, c.heads_kv, c.head_dim, back_positions.data(), c.rope_theta, dk.data(), dk.data());
    Floats dqkv(sz(t * c.qkv_width()));
    put_columns(dqkv, t, c.qkv_width(), 0, c.q_width(), dq);
    put_columns(dqkv, t, c.qkv_width(), c.q_width(), c.kv_width(), dk);
    put_columns(dqkv, t, c.qkv_width(), c.q_width() + c.kv_width(), c.kv_width(), dv);
    linear_bwd({t, c.hidden, c.qkv_width()}, a.h_attn.data(), lw.wqkv.data(), dqkv.data(), dh.data(),
               lg.wqkv.data());
    kernels::rmsnorm_bwd_cpu(t, c.hidden, a.x_in.data(), lw.attn_norm.data(), c.norm_eps, dh.data(), dx.data(),
                             lg.attn_norm.data());
    add_into(dx, dx_mid);
  }
  for (std::int64_t i = 0; i < t; ++i) {
    float* row = grads.embedding.data() + static_cast<std::ptrdiff_t>(block.tokens[sz(i)]) * c.hidden;
    for (int h = 0; h < c.hidden; ++h) row[h] += dx[sz(i * c.hidden + h)];
  }
}

}  // namespace lcperf::tiny
