#include "core/sparse_weights.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.hpp"
#include "core/layer_ops.hpp"

namespace lcperf::core {

namespace {

// Flash-LLM's tile and vector sizes (kernels/tiled_csl.hpp holds the same numbers; core
// does not depend on kernels).
constexpr std::int64_t kTileM = 128;
constexpr std::int64_t kTileK = 64;
constexpr double kMeanPadEntries = 1.5;  // rounding a tile's count up to a multiple of 4

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

void check_sparsity(double s, const char* what) {
  if (!(s >= 0.0 && s < 1.0)) throw InputError(std::string(what) + ": sparsity must be in [0, 1)");
}

}  // namespace

std::string_view to_string(WeightClass c) {
  switch (c) {
    case WeightClass::qkv: return "qkv";
    case WeightClass::out: return "out";
    case WeightClass::mlp_up: return "mlp_up";
    case WeightClass::mlp_down: return "mlp_down";
  }
  return "?";
}

double SparseWeights::of(WeightClass c) const {
  switch (c) {
    case WeightClass::qkv: return qkv;
    case WeightClass::out: return out;
    case WeightClass::mlp_up: return mlp_up;
    case WeightClass::mlp_down: return mlp_down;
  }
  return 0;
}

std::vector<WeightMatrix> layer_weight_matrices(const ModelSpec& model, const ParallelConfig& parallel) {
  ParallelConfig p = parallel;
  p.cp = 1;  // serving shards as serving_step_parts does
  p.sequence_parallel = false;
  const LocalDims d = local_dims(model, p, MicroBatchShape{{1}, 0});
  const std::int64_t h = model.hidden;
  const std::int64_t hd = model.head_dim;
  return {
      {WeightClass::qkv, static_cast<std::int64_t>(d.heads_q + 2 * d.heads_kv) * hd, h},
      {WeightClass::out, h, static_cast<std::int64_t>(d.heads_q) * hd},
      {WeightClass::mlp_up, (model.gated_mlp ? 2 : 1) * d.ffn, h},
      {WeightClass::mlp_down, h, d.ffn},
  };
}

double tiled_csl_bytes(std::int64_t out, std::int64_t in, double sparsity) {
  check_sparsity(sparsity, "tiled_csl_bytes");
  if (out < 0 || in < 0) throw InputError("tiled_csl_bytes: negative shape");
  const double tiles = static_cast<double>(ceil_div(out, kTileM) * ceil_div(in, kTileK));
  const double nonzeros = static_cast<double>(out) * static_cast<double>(in) * (1.0 - sparsity);
  return 4.0 * (nonzeros + kMeanPadEntries * tiles) + 4.0 * (tiles + 2.0);
}

SparseChoice sparsity_at_least(double threshold) {
  return [threshold](const SpmmShape& s) { return s.sparsity >= threshold; };
}

double weight_bytes_per_rank(const ModelSpec& model, const ParallelConfig& parallel, const SparseWeights& sparse,
                             const SparseChoice& choice, std::int64_t tokens) {
  const double elem = static_cast<double>(dtype_bytes(model.dtype));
  double bytes = static_cast<double>(model.total_params()) * elem / std::max(1, parallel.tp);
  for (const WeightMatrix& w : layer_weight_matrices(model, parallel)) {
    const double s = sparse.of(w.cls);
    check_sparsity(s, "sparse weights");
    if (s < kTiledCslMinSparsity || !choice(SpmmShape{w.out, tokens, w.in, s, model.dtype})) continue;
    const double dense = static_cast<double>(w.out) * static_cast<double>(w.in) * elem;
    bytes += model.layers * (tiled_csl_bytes(w.out, w.in, s) - dense);
  }
  return bytes;
}

std::optional<WeightClass> weight_class_of(const GemmShape& g, const std::vector<WeightMatrix>& weights) {
  for (const WeightMatrix& w : weights) {
    if (g.k == w.in && g.n == w.out) return w.cls;
  }
  return std::nullopt;
}

std::vector<OpPart> rewrite_sparse_weight_parts(std::vector<OpPart> parts, const ModelSpec& model,
                                                const ParallelConfig& parallel, const SparseWeights& sparse,
                                                const SparseChoice& choice) {
  if (!sparse.any()) return parts;
  const std::vector<WeightMatrix> weights = layer_weight_matrices(model, parallel);
  // The LM head shares (k = hidden) with qkv/up; it is told apart by its n (vocab rows),
  // which no layer weight has for the shipped models.
  for (OpPart& part : parts) {
    const auto* g = std::get_if<GemmShape>(&part);
    if (g == nullptr) continue;
    const auto cls = weight_class_of(*g, weights);
    if (!cls) continue;
    const double s = sparse.of(*cls);
    check_sparsity(s, "sparse weights");
    if (s < kTiledCslMinSparsity) continue;
    const SpmmShape spmm{g->n, g->m * g->batch, g->k, s, g->dtype};
    if (choice(spmm)) part = spmm;
  }
  return parts;
}

}  // namespace lcperf::core
