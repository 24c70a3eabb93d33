#pragma once
// Unstructured-sparse weights (Flash-LLM): a sparsity per weight-matrix class of a
// decoder layer, the bytes those weights take in the Tiled-CSL format, and the rewrite
// of a step's dense weight GEMMs into SpMM parts.
//
// Core prices nothing: whether a class runs sparse is a caller's decision (a break-even
// test from cost_models/spmm_breakeven.hpp, or a plain threshold), passed in as a
// SparseChoice. The format itself cannot hold a tile denser than 50% (Flash-LLM's
// per-thread register buffer), so below kTiledCslMinSparsity a class always stays dense.
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/model_spec.hpp"
#include "core/ops.hpp"
#include "core/parallel_config.hpp"

namespace lcperf::core {

enum class WeightClass { qkv, out, mlp_up, mlp_down };
inline constexpr WeightClass kAllWeightClasses[] = {WeightClass::qkv, WeightClass::out, WeightClass::mlp_up,
                                                    WeightClass::mlp_down};
std::string_view to_string(WeightClass c);

inline constexpr double kTiledCslMinSparsity = 0.5;

struct SparseWeights {
  double qkv = 0;
  double out = 0;
  double mlp_up = 0;
  double mlp_down = 0;

  static SparseWeights uniform(double s) { return SparseWeights{s, s, s, s}; }
  double of(WeightClass c) const;
  bool any() const { return qkv > 0 || out > 0 || mlp_up > 0 || mlp_down > 0; }
  bool operator==(const SparseWeights&) const = default;
};

// One layer weight on one TP rank: `out` x `in` (Flash-LLM's M x K).
struct WeightMatrix {
  WeightClass cls = WeightClass::qkv;
  std::int64_t out = 0;
  std::int64_t in = 0;
};

// The four weight matrices of a layer as serving_step_parts shards them (TP splits heads
// and FFN columns; no sequence or context parallelism).
std::vector<WeightMatrix> layer_weight_matrices(const ModelSpec& model, const ParallelConfig& parallel);

// Expected bytes of an out x in fp16 weight in Tiled-CSL: 4 bytes per non-zero (value and
// 16-bit in-tile position), each 128x64 tile padded to a multiple of 4 entries (1.5
// entries on average), and tiles + 2 int32 offsets. Throws InputError outside [0, 1).
double tiled_csl_bytes(std::int64_t out, std::int64_t in, double sparsity);

// Decides whether one weight matmul (as its SpMM shape: m = out, k = in, n = tokens) runs
// sparse. Only asked for sparsity >= kTiledCslMinSparsity.
using SparseChoice = std::function<bool(const SpmmShape&)>;
SparseChoice sparsity_at_least(double threshold);

// Weight bytes on one TP rank: the dense model (total_params / tp; the replicated norms
// and biases are rounding error here) with every class that `choice` runs sparse at
// `tokens` columns stored in Tiled-CSL instead. One format is stored per class, so the
// decision at the step size the deployment cares about (decode batch) decides storage.
double weight_bytes_per_rank(const ModelSpec& model, const ParallelConfig& parallel, const SparseWeights& sparse,
                             const SparseChoice& choice, std::int64_t tokens);

// Which class a GEMM part multiplies by (its k x n is that weight), if any. The LM head
// and attention are never matched.
std::optional<WeightClass> weight_class_of(const GemmShape& g, const std::vector<WeightMatrix>& weights);

// Replaces each weight GEMM of `parts` (serving convention: m = tokens, k = in, n = out)
// whose class is sparse enough and chosen by `choice` with an SpmmShape. Other parts,
// and everything when `sparse` is all zero, are left as they are.
std::vector<OpPart> rewrite_sparse_weight_parts(std::vector<OpPart> parts, const ModelSpec& model,
                                                const ParallelConfig& parallel, const SparseWeights& sparse,
                                                const SparseChoice& choice);

}  // namespace lcperf::core
