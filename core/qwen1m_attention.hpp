#pragma once
// Pricing helpers for the Qwen2.5-1M long-context techniques (reference:
// shared/reference/qwen2.5-1m.md): vertical-slash sparse prefill attention, dual chunk
// attention (DCA) and the activation memory of a prefill step. They turn a technique
// into op parts the ordinary cost model prices; nothing here has a cost of its own.
//
// YaRN attention scaling multiplies logits by a constant inside the attention kernel,
// so it adds no part and has no option.
#include <cstdint>
#include <vector>

#include "core/model_spec.hpp"
#include "core/ops.hpp"
#include "core/parallel_config.hpp"

namespace lcperf::core {

// One class of heads with its own vertical-slash budget (the shipped configs give every
// (layer, head) its own pair). `heads` is the class's share; shares are normalised.
struct HeadBudget {
  std::int64_t vertical = 0;
  std::int64_t slash = 0;
  double heads = 1.0;
  bool operator==(const HeadBudget&) const = default;
};

struct LongContextOptions {
  // Vertical-slash sparse prefill: each 64-row query block computes the 64-wide key tiles
  // its slash lines cover (clustered next to the diagonal) plus its vertical columns not
  // inside those tiles, gathered in groups of 64. Only requests whose prompt reaches
  // `sparse_min_context` use it (vLLM's threshold); decode stays dense. Budgets are per
  // head: `head_budgets` when given, else `vertical_budget` / `slash_budget` for all.
  bool sparse_attention = false;
  std::int64_t sparse_min_context = 32768;
  std::int64_t vertical_budget = 3920;  // mean of the shipped 7B-1M config
  std::int64_t slash_budget = 7650;
  // Where the slash lines fall (see vertical_slash_work): the share of the slashes beyond
  // the forced local window that lie spread uniformly over the history instead of next
  // to the diagonal. 0 is the lower bound on the kernel's work, 1 the upper. No
  // measurement of the deployed configs' slash positions exists; the default 0.1 is fitted
  // to the one published figure about the kernel's work, the report's "about 10x" cut in
  // attention compute (at 0.1 the 1M-token prefills of the shipped 14B / 7B budgets cut
  // 10.7x / 8.4x), not to its end-to-end speedup (cost_models/README.md, "Sparse attention").
  double slash_spread = 0.1;
  std::vector<HeadBudget> head_budgets;
  // Dual chunk attention: beyond `dca_chunk_tokens` keys a query runs up to three partial
  // attentions (intra, successive, inter chunk) over disjoint keys, merged by LSE.
  bool dca = false;
  std::int64_t dca_chunk_tokens = 253952;  // chunk_size 262144 - local_size 8192

  bool active() const { return sparse_attention || dca; }
  bool operator==(const LongContextOptions&) const = default;
};

struct ServingSpec;
// The options a serving scenario's fields set (core/scenario.hpp).
LongContextOptions long_context_options(const ServingSpec& spec);

// Query rows of the 64-row tiles the sparse kernel and the index estimation use.
inline constexpr std::int64_t kSparseTile = 64;
// The element-wise part of the index building (one element per query-block walk), which
// the cost model prices as a serial walk (cost_models/index_build_walk.hpp).
inline constexpr const char* kSparseIndexBuildKind = "sparse_index_build";

// What the vertical-slash kernel and its index building do for one head over one chunk
// (q_len queries, the last of kv_len keys), query block by query block (block m covers
// rows [64m, 64m + 64) and sees n = kv_len - q_len + its last row + 1 keys):
// - budgets are raised to MInference's floors (30 verticals, 50 slashes) and cut to n;
// - the forced local window (kForcedLocalSlashes) and a share 1 - spread of the other
//   slashes sit next to the diagonal: their ranges merge into one run of
//   ceil((c + rows - 1) / 64) contiguous tiles for those c slashes, plus one more tile
//   per extra DCA segment (each segment converts its own ranges);
// - the remaining k = spread x (s - kForcedLocalSlashes) slashes fall uniformly over the
//   other n - c offsets and cost spread_slash_tiles(k, n - c, rows) tiles: the expected
//   tile count of the conversion's merge rule (ranges whose starts are less than
//   rows + 64 apart merge) for randomly placed lines;
// - verticals spread evenly over the n keys; those inside the tiles are dropped, the
//   rest are gathered in groups of 64 (the last group padded; each extra DCA segment
//   pads half a group more on average);
// - a block whose tiles and groups would reach all n keys runs them as ceil(n / 64) tiles.
// Whole tiles and groups run for every row of the block (the causal mask wastes part of
// the diagonal tile, as in the kernel).
struct VerticalSlashWork {
  double unmasked_pairs = 0;  // causal (query, key) pairs of the chunk
  double tile_pairs = 0;      // executed in contiguous tiles
  double gathered_pairs = 0;  // executed in gathered column groups, padding included
  double index_steps = 0;     // index-building loop steps: (verticals + slashes) per query block
  double selected = 0;        // verticals + slashes the top-k keeps

  double executed_pairs() const { return tile_pairs + gathered_pairs; }
  // The AttentionShape fields: executed / unmasked (at most 1) and the gathered share.
  double density() const;
  double gathered_fraction() const;
};

VerticalSlashWork vertical_slash_work(std::int64_t q_len, std::int64_t kv_len, std::int64_t vertical_budget,
                                      std::int64_t slash_budget, int dca_partials = 1, double slash_spread = 0.0);

// Diagonals next to the main one that the estimation always keeps (MInference's local
// window); never spread.
inline constexpr std::int64_t kForcedLocalSlashes = 100;

// Expected 64-wide tiles a query block of `rows` rows runs for `lines` slash lines placed
// uniformly at random among `positions` offsets, under the index conversion's rule: sort
// the lines, merge neighbours whose offsets differ by less than rows + 64, and cover each
// merged run of span S (largest minus smallest offset) with ceil((S + rows) / 64) tiles.
// Gaps between placed lines are geometric with p = lines / positions; a run's ceil adds
// half a tile on average beyond (S + rows) / 64 (a lone line's range is exactly
// ceil(rows / 64) = 1 tile). Checked against the CPU conversion code on random offset
// sets (tests/kernels/vertical_slash_placement_test.cpp).
double spread_slash_tiles(double lines, double positions, std::int64_t rows);

// The head-share-weighted mean over `o`'s budgets (one head's work).
VerticalSlashWork vertical_slash_work(std::int64_t q_len, std::int64_t kv_len, const LongContextOptions& o,
                                      int dca_partials = 1);

// Partial attentions a chunk's queries need under DCA: 1 while all keys fit one DCA
// chunk, 2 when some lie in the previous chunk, 3 when some lie further back.
int dca_partials(std::int64_t kv_len, std::int64_t dca_chunk_tokens);

// Whether a prefill chunk of a request whose prompt is `prompt_tokens` long is sparse.
bool sparse_applies(const LongContextOptions& o, std::int64_t prompt_tokens);

// The attention parts of one prefill chunk on one TP rank. `base` gives heads, head_dim,
// dtype and mask. Dense: one attention part. Sparse (cost_models/README.md, "Sparse
// attention"): the block-sparse kernel (sparse_block 64, density and gathered share
// from vertical_slash_work), then per head the index estimation (last 64 queries x all
// keys: the scores GEMM, the fp32 softmax, the column and diagonal sums), the top-k
// selection of columns and diagonals (radix select: 4 digit passes + 1 gather pass over
// each score vector) with the sort of what it keeps, and the index building (one loop
// step per vertical and slash per query block; one launch per DCA segment). DCA: the
// attention carries dca_partials (its extra query reads), plus the LSE merge of the
// partial outputs and the rotary of the extra query variants; no extra score FLOPs, as
// the partials cover disjoint keys.
std::vector<OpPart> long_context_prefill_parts(const AttentionShape& base, std::int64_t q_len, std::int64_t kv_len,
                                               std::int64_t prompt_tokens, const LongContextOptions& o);

// Peak transient activation bytes of one prefill step of `step_tokens` tokens on one TP
// rank, over the layer's phases (the step's KV cache and weights are not included): the
// MLP's gate+up output plus its input, or the attention phase (QKV, output and, when
// sparse, the fp32 estimation buffer of 64 queries x kv_len keys per local head). It is
// set by the step's tokens, not by the prompt, except for the estimation buffer.
// `query_variants` rotated copies of Q are held at once (dca_query_variants).
double prefill_activation_peak_bytes(const ModelSpec& model, const ParallelConfig& parallel, std::int64_t step_tokens,
                                     std::int64_t kv_len, bool sparse, int query_variants = 1);

// Rotated query copies a DCA prefill holds (reference §3.3, §3.5): intra, successive and
// inter; with sparse selection also the two continuous-position "critical" variants.
int dca_query_variants(const LongContextOptions& o, bool sparse);

}  // namespace lcperf::core
