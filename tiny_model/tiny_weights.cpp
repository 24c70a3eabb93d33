#include "tiny_model/tiny_weights.hpp"

#include <cmath>

namespace lcperf::tiny {

namespace {

// splitmix64: a tiny portable generator, so a seed gives the same weights everywhere.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  double uniform(double lo, double hi) {
    state_ += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return lo + (hi - lo) * static_cast<double>(z >> 11) * 0x1.0p-53;
  }

 private:
  std::uint64_t state_;
};

std::vector<float> filled(std::size_t n, SplitMix& rng, double lo, double hi) {
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(rng.uniform(lo, hi));
  return v;
}

// Uniform(-a, a) has variance a^2 / 3; a = sqrt(3 / in) gives unit output variance.
std::vector<float> linear(int out, int in, SplitMix& rng) {
  const double a = std::sqrt(3.0 / in);
  return filled(static_cast<std::size_t>(out) * static_cast<std::size_t>(in), rng, -a, a);
}

}  // namespace

namespace {

// One walk for the const and the mutable listing.
template <typename Weights, typename Tensor>
std::vector<Tensor> list_tensors(Weights& w) {
  std::vector<Tensor> out{{"embedding", &w.embedding}};
  for (std::size_t l = 0; l < w.layers.size(); ++l) {
    const std::string p = "layer" + std::to_string(l) + ".";
    auto& lw = w.layers[l];
    out.push_back({p + "attn_norm", &lw.attn_norm});
    out.push_back({p + "wqkv", &lw.wqkv});
    out.push_back({p + "wo", &lw.wo});
    out.push_back({p + "mlp_norm", &lw.mlp_norm});
    out.push_back({p + "w_gate_up", &lw.w_gate_up});
    out.push_back({p + "w_down", &lw.w_down});
  }
  out.push_back({"final_norm", &w.final_norm});
  out.push_back({"lm_head", &w.lm_head});
  return out;
}

}  // namespace

std::vector<TinyWeights::Tensor> TinyWeights::tensors() { return list_tensors<TinyWeights, Tensor>(*this); }

std::vector<TinyWeights::ConstTensor> TinyWeights::tensors() const {
  return list_tensors<const TinyWeights, ConstTensor>(*this);
}

TinyWeights zero_weights(const TinyConfig& c) {
  validate(c);
  const auto n = [](int a, int b) { return static_cast<std::size_t>(a) * static_cast<std::size_t>(b); };
  TinyWeights w;
  w.config = c;
  w.embedding.assign(n(c.vocab, c.hidden), 0.0f);
  w.layers.resize(static_cast<std::size_t>(c.layers));
  for (LayerWeights& l : w.layers) {
    l.attn_norm.assign(n(c.hidden, 1), 0.0f);
    l.wqkv.assign(n(c.qkv_width(), c.hidden), 0.0f);
    l.wo.assign(n(c.hidden, c.q_width()), 0.0f);
    l.mlp_norm.assign(n(c.hidden, 1), 0.0f);
    l.w_gate_up.assign(n(2 * c.ffn, c.hidden), 0.0f);
    l.w_down.assign(n(c.hidden, c.ffn), 0.0f);
  }
  w.final_norm.assign(n(c.hidden, 1), 0.0f);
  w.lm_head.assign(n(c.vocab, c.hidden), 0.0f);
  return w;
}

TinyWeights random_weights(const TinyConfig& c, std::uint64_t seed) {
  validate(c);
  SplitMix rng(seed);
  TinyWeights w;
  w.config = c;
  const auto norm = [&] { return filled(static_cast<std::size_t>(c.hidden), rng, 0.8, 1.2); };
  w.embedding = filled(static_cast<std::size_t>(c.vocab) * static_cast<std::size_t>(c.hidden), rng, -1.0, 1.0);
  for (int l = 0; l < c.layers; ++l) {
    LayerWeights lw;
    lw.attn_norm = norm();
    lw.wqkv = linear(c.qkv_width(), c.hidden, rng);
    lw.wo = linear(c.hidden, c.q_width(), rng);
    lw.mlp_norm = norm();
    lw.w_gate_up = linear(2 * c.ffn, c.hidden, rng);
    lw.w_down = linear(c.hidden, c.ffn, rng);
    w.layers.push_back(std::move(lw));
  }
  w.final_norm = norm();
  w.lm_head = linear(c.vocab, c.hidden, rng);
  return w;
}

}  // namespace lcperf::tiny
