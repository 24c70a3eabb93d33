#include "schedulers/memory/transformer_graph.hpp"

#include <stdexcept>
#include <vector>

#include "core/dtype.hpp"

namespace lcperf::schedulers::memory {

namespace {

// What a layer's backward reads from its forward (or from the recompute that replaces it).
struct LayerTensors {
  TensorId x = -1;  // layer input
  TensorId n1 = -1, qkv = -1, ctx = -1;
  std::vector<TensorId> core;  // attention core kept for the backward (lse, or probs/mask/dropped)
  TensorId mask1 = -1, r1 = -1, n2 = -1, up = -1, act = -1, mask2 = -1;
  TensorId out = -1;
};

class Builder {
 public:
  Builder(const core::ModelSpec& model, const core::ParallelConfig& parallel, const TrainingGraphOptions& options)
      : model_(model), parallel_(parallel), options_(options) {
    if (parallel.cp != 1) throw std::invalid_argument("the symbolic training graph does not model cp > 1");
    const core::LocalDims d = core::local_dims(model, parallel, core::MicroBatchShape{{1}});
    hq_ = d.heads_q;
    hkv_ = d.heads_kv;
    ffn_ = d.ffn;
    vocab_ = d.vocab;
    e_ = core::dtype_bytes(model.dtype);
    tp_ = parallel.tp;
    sp_ = parallel.sequence_parallel && tp_ > 1;
    tokens_ = Polynomial::symbol(kBatchSymbol) * Polynomial::symbol(kSeqSymbol);
    hd_ = model.head_dim;
    q_ = hq_ * hd_;
    kv_ = hkv_ * hd_;
    up_ = (model.gated_mlp ? 2 : 1) * ffn_;
  }

  OpGraph build() {
    const int layers = options_.layers >= 0 ? options_.layers : model_.layers / parallel_.pp;
    TensorId x = options_.first_stage ? embedding_forward() : receive("recv_act", layer_group(0));
    std::vector<LayerTensors> stored;
    for (int l = 0; l < layers; ++l) {
      const std::string next = l + 1 < layers ? layer_group(l + 1) : (options_.last_stage ? "head" : "stage_out");
      stored.push_back(layer_forward(l, x, "fwd", layer_group(l), next));
      x = stored.back().out;
    }
    TensorId dy = -1;
    if (options_.last_stage) {
      const TensorId fn = head_forward(x);
      dy = head_backward(x, fn);
    } else {
      g_.add_op("send_act", "forward", {x}, {}, 0, false);
      dy = receive("recv_grad", "grad");
    }
    for (int l = layers - 1; l >= 0; --l) dy = layer_backward(l, stored[static_cast<std::size_t>(l)], dy);
    if (options_.first_stage) {
      embedding_backward(dy);
    } else {
      g_.add_op("send_grad", "backward", {dy}, {}, 0, false);
    }
    return std::move(g_);
  }

 private:
  // Bytes of `per_elem`-byte elements over T tokens x width (TP-sharded widths).
  Polynomial full(std::int64_t width, std::int64_t per_elem) const { return tokens_ * (width * per_elem); }
  // Same over the residual stream: T/tp tokens with SP (exact when tp divides T).
  Polynomial resid(std::int64_t per_elem) const {
    const Polynomial p = tokens_ * (per_elem * model_.hidden);
    return sp_ ? divide_tp(p) : p;
  }
  Polynomial divide_tp(const Polynomial& p) const {
    // T*c/tp with tp not dividing c: the polynomial would need T/tp, a derived symbol.
    return p.divided_exactly(tp_);
  }
  // Per-head score matrices of all sequences: B * S^2 * heads * per_elem.
  Polynomial scores(std::int64_t per_elem) const {
    return Polynomial::symbol(kBatchSymbol) * Polynomial::symbol(kSeqSymbol).pow(2) * (per_elem * hq_);
  }
  Polynomial gemm_flops(std::int64_t n, std::int64_t k) const { return tokens_ * (2 * n * k); }
  // Causal FlashAttention forward over B sequences of S: 4*hq*d*S(S+1)/2 per sequence.
  Polynomial attention_flops() const {
    const Polynomial s = Polynomial::symbol(kSeqSymbol);
    return Polynomial::symbol(kBatchSymbol) * (s.pow(2) + s) * (2 * hq_ * hd_);
  }
  Polynomial attention_bwd_flops() const {  // 2.5x forward
    const Polynomial s = Polynomial::symbol(kSeqSymbol);
    return Polynomial::symbol(kBatchSymbol) * (s.pow(2) + s) * (5 * hq_ * hd_);
  }
  Polynomial resid_flops(std::int64_t per_elem) const { return resid(per_elem); }
  Polynomial rope_flops() const { return tokens_ * (3 * (hq_ + hkv_) * hd_); }
  std::int64_t act_fwd_flops() const { return model_.gated_mlp ? 4 : 8; }
  std::int64_t act_bwd_flops() const { return model_.gated_mlp ? 8 : 12; }

  TensorId op1(const std::string& name, const std::string& kind, const std::vector<TensorId>& in,
               const std::string& out, const Polynomial& bytes, const std::string& group, const Polynomial& flops,
               bool recomputable = true) {
    return g_.output_of(g_.add_op(name, kind, in, {{out, bytes, group}}, flops, recomputable));
  }
  TensorId receive(const std::string& name, const std::string& group) {
    return op1(name, name == "recv_act" ? "forward" : "backward", {}, name + ".out", resid(e_), group, 0, false);
  }
  // A TP collective over a residual-stream tensor; identity (no op) when tp == 1.
  TensorId tp_reduce(const std::string& name, const std::string& kind, TensorId in, const std::string& group) {
    if (tp_ == 1) return in;
    return op1(name, kind, {in}, name + ".out", resid(e_), group, 0, false);
  }
  TensorId sp_gather(const std::string& name, const std::string& kind, TensorId in, const std::string& group) {
    if (!sp_) return in;
    return op1(name, kind, {in}, name + ".out", full(model_.hidden, e_), group, 0, false);
  }

  TensorId embedding_forward() {
    const bool dropout = options_.activation.dropout;
    TensorId x = op1("embed", "forward", {}, "embed.out", full(model_.hidden, e_),
                     tp_ > 1 || dropout ? "embedding" : layer_group(0), 0);
    if (tp_ > 1) x = op1("embed.reduce", "forward", {x}, "embed.reduce.out", resid(e_),
                         dropout ? "embedding" : layer_group(0), 0, false);
    if (!dropout) return x;
    const OpId o = g_.add_op("embed.dropout", "forward", {x},
                             {{"embed.dropout.out", resid(e_), layer_group(0)}, {"embed.mask", resid(1), "embedding"}},
                             0);
    embed_mask_ = g_.output_of(o, 1);
    return g_.output_of(o, 0);
  }

  void embedding_backward(TensorId dx) {
    if (embed_mask_ >= 0) dx = op1("embed.dropout_bwd", "backward", {dx, embed_mask_}, "d.embed", resid(e_), "grad", 0);
    dx = sp_gather("embed.gather_bwd", "backward", dx, "grad");
    g_.add_op("embed_bwd", "backward", {dx}, {}, tokens_ * model_.hidden);
  }

  TensorId head_forward(TensorId x) {
    const TensorId fn = op1("head.norm", "forward", {x}, "head.norm.out", resid(e_), "head", resid_flops(4));
    const TensorId in = sp_gather("head.gather", "forward", fn, "head");
    const TensorId logits = op1("head.lm_head", "forward", {in}, "head.logits", full(vocab_, e_), "head",
                                gemm_flops(vocab_, model_.hidden));
    // The vocab-parallel cross-entropy all-reduces per-token statistics: not recomputable.
    const OpId ce = g_.add_op("head.cross_entropy", "forward", {logits},
                              {{"head.softmax", full(vocab_, 4), "head"}, {"loss", tokens_ * 4, "loss"}},
                              tokens_ * (5 * vocab_), tp_ == 1);
    g_.mark_output(g_.output_of(ce, 1));
    head_softmax_ = g_.output_of(ce, 0);
    return fn;
  }

  TensorId head_backward(TensorId x, TensorId fn) {
    const TensorId dlogits = op1("head.cross_entropy_bwd", "backward", {head_softmax_}, "d.head.logits",
                                 full(vocab_, e_), "grad", tokens_ * (3 * vocab_));
    const TensorId in = sp_gather("head.regather", "backward", fn, "head");
    TensorId d = op1("head.lm_head_bwd", "backward", {dlogits, in}, "d.head.norm.partial", full(model_.hidden, e_),
                     "grad", gemm_flops(vocab_, model_.hidden) * 2);
    d = tp_reduce("head.reduce_bwd", "backward", d, "grad");
    return op1("head.norm_bwd", "backward", {d, x}, "d.head.in", resid(e_), "grad", resid_flops(8));
  }

  // One layer's forward. phase "fwd" stores under `group` and writes the output under
  // `out_group`; phase "rc" (full recompute) regenerates the same tensors under group.rc.
  LayerTensors layer_forward(int l, TensorId x, const std::string& phase, const std::string& group,
                             const std::string& out_group) {
    const std::string p = layer_group(l) + "." + phase + ".";
    const std::string kind = phase == "fwd" ? "forward" : "recompute";
    const bool dropout = options_.activation.dropout;
    LayerTensors t;
    t.x = x;
    t.n1 = op1(p + "norm1", kind, {x}, p + "n1", resid(e_), group, resid_flops(4));
    const TensorId n1_in = sp_gather(p + "gather1", kind, t.n1, group);
    t.qkv = op1(p + "qkv", kind, {n1_in}, p + "qkv", full(q_ + 2 * kv_, e_), group,
                gemm_flops(q_ + 2 * kv_, model_.hidden) + rope_flops());
    attention_forward(l, phase, kind, group, t, true);
    const TensorId ao_p = op1(p + "out_proj", kind, {t.ctx}, p + "ao.partial", full(model_.hidden, e_), group,
                              gemm_flops(model_.hidden, q_));
    const TensorId ao = tp_reduce(p + "reduce1", kind, ao_p, group);
    std::vector<OpGraph::OutputSpec> add1_out{{p + "r1", resid(e_), group}};
    if (dropout) add1_out.push_back({p + "mask1", resid(1), group});
    const OpId add1 = g_.add_op(p + "add1", kind, {ao, x}, add1_out, resid_flops(1));
    t.r1 = g_.output_of(add1, 0);
    if (dropout) t.mask1 = g_.output_of(add1, 1);
    t.n2 = op1(p + "norm2", kind, {t.r1}, p + "n2", resid(e_), group, resid_flops(4));
    const TensorId n2_in = sp_gather(p + "gather2", kind, t.n2, group);
    t.up = op1(p + "up", kind, {n2_in}, p + "up", full(up_, e_), group, gemm_flops(up_, model_.hidden));
    t.act = op1(p + "act", kind, {t.up}, p + "act", full(ffn_, e_), group, tokens_ * (act_fwd_flops() * ffn_));
    const TensorId mo_p = op1(p + "down", kind, {t.act}, p + "mo.partial", full(model_.hidden, e_), group,
                              gemm_flops(model_.hidden, ffn_));
    const TensorId mo = tp_reduce(p + "reduce2", kind, mo_p, group);
    std::vector<OpGraph::OutputSpec> add2_out{{p + "out", resid(e_), out_group}};
    if (dropout) add2_out.push_back({p + "mask2", resid(1), group});
    const OpId add2 = g_.add_op(p + "add2", kind, {mo, t.r1}, add2_out, resid_flops(1));
    t.out = g_.output_of(add2, 0);
    if (dropout) t.mask2 = g_.output_of(add2, 1);
    return t;
  }

  // The attention core: FlashAttention keeps only the fp32 log-sum-exp; the materialised
  // form keeps the softmax output and, with dropout, its mask and output (Korthikanti).
  // With `with_ctx` false (selective recompute) only the core tensors are regenerated.
  void attention_forward(int l, const std::string& phase, const std::string& kind, const std::string& group,
                         LayerTensors& t, bool with_ctx) {
    const std::string p = layer_group(l) + "." + phase + ".";
    if (options_.activation.flash_attention) {
      std::vector<OpGraph::OutputSpec> outs;
      if (with_ctx) outs.push_back({p + "ctx", full(q_, e_), group});
      outs.push_back({p + "lse", tokens_ * (4 * hq_), group});
      const OpId o = g_.add_op(p + "attn", kind, {t.qkv}, outs, attention_flops());
      if (with_ctx) t.ctx = g_.output_of(o, 0);
      t.core = {g_.output_of(o, with_ctx ? 1 : 0)};
      return;
    }
    // QK^T and softmax carry half the attention FLOPs, PV the other half.
    const Polynomial half = attention_flops().divided_exactly(2);
    const TensorId probs = op1(p + "softmax", kind, {t.qkv}, p + "probs", scores(2), group, half);
    t.core = {probs};
    TensorId weights = probs;
    if (options_.activation.dropout) {
      const OpId o = g_.add_op(p + "attn_dropout", kind, {probs},
                               {{p + "attn_mask", scores(1), group}, {p + "dropped", scores(2), group}}, 0);
      t.core.push_back(g_.output_of(o, 0));
      t.core.push_back(g_.output_of(o, 1));
      weights = g_.output_of(o, 1);
    }
    if (with_ctx) t.ctx = op1(p + "pv", kind, {weights, t.qkv}, p + "ctx", full(q_, e_), group, half);
  }

  TensorId layer_backward(int l, const LayerTensors& fwd, TensorId dy) {
    const std::string rc_group = layer_group(l) + ".rc";
    LayerTensors f = fwd;
    if (options_.recompute == core::Recompute::full) {
      f = layer_forward(l, fwd.x, "rc", rc_group, rc_group);
    } else if (options_.recompute == core::Recompute::selective) {
      attention_forward(l, "rc", "recompute", rc_group, f, false);
    }
    const std::string p = layer_group(l) + ".bwd.";
    const std::string k = "backward";
    TensorId dmo = dy;
    if (f.mask2 >= 0) dmo = op1(p + "dropout2", k, {dy, f.mask2}, p + "dmo", resid(e_), "grad", 0);
    dmo = sp_gather(p + "gather_dmo", k, dmo, "grad");
    const TensorId dact = op1(p + "down", k, {dmo, f.act}, p + "dact", full(ffn_, e_), "grad",
                              gemm_flops(model_.hidden, ffn_) * 2);
    const TensorId dup = op1(p + "act", k, {dact, f.up}, p + "dup", full(up_, e_), "grad",
                             tokens_ * (act_bwd_flops() * ffn_));
    const TensorId n2_in = sp_gather(p + "regather2", k, f.n2, "grad");
    TensorId dn2 = op1(p + "up", k, {dup, n2_in}, p + "dn2.partial", full(model_.hidden, e_), "grad",
                       gemm_flops(up_, model_.hidden) * 2);
    dn2 = tp_reduce(p + "reduce2", k, dn2, "grad");
    // Norm backward plus the residual gradient accumulation (core's norm_bwd + add).
    const TensorId dr1 = op1(p + "norm2", k, {dn2, f.r1, dy}, p + "dr1", resid(e_), "grad", resid_flops(9));
    TensorId dao = dr1;
    if (f.mask1 >= 0) dao = op1(p + "dropout1", k, {dr1, f.mask1}, p + "dao", resid(e_), "grad", 0);
    dao = sp_gather(p + "gather_dao", k, dao, "grad");
    const TensorId dctx = op1(p + "out_proj", k, {dao, f.ctx}, p + "dctx", full(q_, e_), "grad",
                              gemm_flops(model_.hidden, q_) * 2);
    std::vector<TensorId> attn_in{dctx, f.qkv, f.ctx};
    attn_in.insert(attn_in.end(), f.core.begin(), f.core.end());
    const TensorId dqkv = op1(p + "attn", k, attn_in, p + "dqkv", full(q_ + 2 * kv_, e_), "grad",
                              attention_bwd_flops() + rope_flops());
    const TensorId n1_in = sp_gather(p + "regather1", k, f.n1, "grad");
    TensorId dn1 = op1(p + "qkv", k, {dqkv, n1_in}, p + "dn1.partial", full(model_.hidden, e_), "grad",
                       gemm_flops(q_ + 2 * kv_, model_.hidden) * 2);
    dn1 = tp_reduce(p + "reduce1", k, dn1, "grad");
    return op1(p + "norm1", k, {dn1, f.x, dr1}, p + "dx", resid(e_), "grad", resid_flops(9));
  }

  const core::ModelSpec& model_;
  const core::ParallelConfig& parallel_;
  TrainingGraphOptions options_;
  OpGraph g_;
  Polynomial tokens_;
  std::int64_t hq_ = 0, hkv_ = 0, ffn_ = 0, vocab_ = 0, e_ = 2, tp_ = 1, hd_ = 0, q_ = 0, kv_ = 0, up_ = 0;
  bool sp_ = false;
  TensorId embed_mask_ = -1;
  TensorId head_softmax_ = -1;
};

}  // namespace

std::string layer_group(int layer) {
  std::string group = "L";  // not "L" + ...: GCC 12's false -Wrestrict (bug 105329)
  group += std::to_string(layer);
  return group;
}

Box training_box(Range seq, Range batch) {
  Box box{{kSeqSymbol, seq}, {kBatchSymbol, batch}};
  validate_box(box);
  return box;
}

Binding training_shape(std::int64_t seq, std::int64_t batch) { return {{kSeqSymbol, seq}, {kBatchSymbol, batch}}; }

OpGraph build_training_graph(const core::ModelSpec& model, const core::ParallelConfig& parallel,
                             const TrainingGraphOptions& options) {
  return Builder(model, parallel, options).build();
}

}  // namespace lcperf::schedulers::memory
