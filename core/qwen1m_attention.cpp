#include "core/qwen1m_attention.hpp"

#include <algorithm>
#include <cmath>

#include "core/elementwise_part.hpp"
#include "core/errors.hpp"
#include "core/layer_ops.hpp"
#include "core/scenario.hpp"

namespace lcperf::core {

namespace {

ElementwiseShape ew(const char* kind, double elements, double flops, double bytes) {
  return elementwise_part(kind, static_cast<std::int64_t>(elements), flops, bytes);
}

}  // namespace

LongContextOptions long_context_options(const ServingSpec& spec) {
  LongContextOptions o;
  o.sparse_attention = spec.sparse_attention;
  o.sparse_min_context = spec.sparse_min_context;
  o.vertical_budget = spec.sparse_vertical_budget;
  o.slash_budget = spec.sparse_slash_budget;
  o.slash_spread = spec.sparse_slash_spread;
  o.dca = spec.dca;
  o.dca_chunk_tokens = spec.dca_chunk_tokens;
  return o;
}

double VerticalSlashWork::density() const {
  return unmasked_pairs > 0 ? std::clamp(executed_pairs() / unmasked_pairs, 0.0, 1.0) : 1.0;
}

double VerticalSlashWork::gathered_fraction() const {
  return executed_pairs() > 0 ? gathered_pairs / executed_pairs() : 0.0;
}

double spread_slash_tiles(double lines, double positions, std::int64_t rows) {
  if (!(lines > 0) || !(positions > 0)) return 0.0;
  if (lines < 1.0) return lines;  // a share of one lone line: one tile
  const double tile = static_cast<double>(kSparseTile);
  const double run_rows = static_cast<double>(rows);
  const double p = std::min(1.0, lines / positions);
  const double merge_gaps = run_rows + tile - 1.0;  // gaps 1 .. rows + 63 merge
  const double miss = std::pow(1.0 - p, merge_gaps);
  const double q = 1.0 - miss;  // P(a gap merges)
  // E[gap; gap merges] for a geometric gap: sum_{g=1..m} g p (1-p)^(g-1).
  const double merged_gap = p > 0 ? (1.0 - miss * (1.0 + merge_gaps * p)) / p : 0.0;
  const double runs = 1.0 + (lines - 1.0) * (1.0 - q);
  const double lone = std::min(runs, 2.0 * (1.0 - q) + (lines - 2.0) * (1.0 - q) * (1.0 - q));
  return lone + (lines - 1.0) * merged_gap / tile + (runs - lone) * (run_rows / tile + 0.5);
}

VerticalSlashWork vertical_slash_work(std::int64_t q_len, std::int64_t kv_len, std::int64_t vertical_budget,
                                      std::int64_t slash_budget, int dca_partials, double slash_spread) {
  if (q_len <= 0 || kv_len < q_len) throw InputError("vertical-slash work: need 0 < q_len <= kv_len");
  if (!(slash_spread >= 0.0 && slash_spread <= 1.0)) throw InputError("vertical-slash work: slash spread must be in [0, 1]");
  const double tile = static_cast<double>(kSparseTile);
  const std::int64_t offset = kv_len - q_len;
  const double extra_segments = std::max(0, dca_partials - 1);
  VerticalSlashWork w;
  for (std::int64_t r0 = 0; r0 < q_len; r0 += kSparseTile) {
    const std::int64_t rows = std::min(kSparseTile, q_len - r0);
    const std::int64_t n = offset + r0 + rows;  // keys the block's last row sees
    const double all_tiles = std::ceil(static_cast<double>(n) / tile);
    // MInference's floors (sinks, local window), cut to the keys there are.
    const double v = static_cast<double>(std::min(n, std::max<std::int64_t>(vertical_budget, 30)));
    const double s = static_cast<double>(std::min(n, std::max<std::int64_t>(slash_budget, 50)));
    // The forced local window and the unspread share merge next to the diagonal; the
    // spread lines fall over the remaining offsets.
    const double spread = slash_spread * std::max(0.0, s - static_cast<double>(kForcedLocalSlashes));
    const double local = s - spread;
    const double local_tiles = std::ceil((local + static_cast<double>(rows) - 1.0) / tile);
    const double spread_tiles = spread_slash_tiles(spread, static_cast<double>(n) - local, rows);
    const double slash_tiles = std::min(all_tiles, local_tiles + spread_tiles + extra_segments);
    const double tile_keys = std::min(static_cast<double>(n), tile * slash_tiles);
    const double columns = v * (1.0 - tile_keys / static_cast<double>(n));
    const double groups = columns > 0 ? std::ceil(columns / tile) + 0.5 * extra_segments : 0.0;
    double tiles_run = slash_tiles;
    double gathered_keys = tile * groups;
    if (tile * slash_tiles + gathered_keys >= tile * all_tiles) {  // no cheaper than all tiles
      tiles_run = all_tiles;
      gathered_keys = 0;
    }
    const double r = static_cast<double>(rows);
    const double first = static_cast<double>(offset + r0 + 1);
    w.unmasked_pairs += r * first + r * (r - 1.0) / 2.0;
    w.tile_pairs += r * tile * tiles_run;
    w.gathered_pairs += r * gathered_keys;
    w.index_steps += v + s;
    w.selected = v + s;  // the last block sees every key of the chunk
  }
  return w;
}

VerticalSlashWork vertical_slash_work(std::int64_t q_len, std::int64_t kv_len, const LongContextOptions& o,
                                      int dca_partials) {
  if (o.head_budgets.empty()) {
    return vertical_slash_work(q_len, kv_len, o.vertical_budget, o.slash_budget, dca_partials, o.slash_spread);
  }
  double shares = 0;
  for (const HeadBudget& b : o.head_budgets) {
    if (!(b.heads > 0)) throw InputError("vertical-slash head budgets: every share must be > 0");
    shares += b.heads;
  }
  VerticalSlashWork mean;
  for (const HeadBudget& b : o.head_budgets) {
    const VerticalSlashWork w = vertical_slash_work(q_len, kv_len, b.vertical, b.slash, dca_partials, o.slash_spread);
    const double f = b.heads / shares;
    mean.unmasked_pairs += f * w.unmasked_pairs;
    mean.tile_pairs += f * w.tile_pairs;
    mean.gathered_pairs += f * w.gathered_pairs;
    mean.index_steps += f * w.index_steps;
    mean.selected += f * w.selected;
  }
  return mean;
}

int dca_partials(std::int64_t kv_len, std::int64_t dca_chunk_tokens) {
  if (dca_chunk_tokens <= 0) throw InputError("dca: the chunk must be > 0 tokens");
  if (kv_len <= dca_chunk_tokens) return 1;
  return kv_len <= 2 * dca_chunk_tokens ? 2 : 3;
}

bool sparse_applies(const LongContextOptions& o, std::int64_t prompt_tokens) {
  return o.sparse_attention && prompt_tokens >= o.sparse_min_context;
}

std::vector<OpPart> long_context_prefill_parts(const AttentionShape& base, std::int64_t q_len, std::int64_t kv_len,
                                               std::int64_t prompt_tokens, const LongContextOptions& o) {
  AttentionShape a = base;
  a.seqs = {{q_len, kv_len}};
  a.paged_decode = false;
  const bool sparse = sparse_applies(o, prompt_tokens);
  if (o.dca) a.dca_partials = dca_partials(kv_len, o.dca_chunk_tokens);
  VerticalSlashWork work;
  if (sparse) {
    work = vertical_slash_work(q_len, kv_len, o, a.dca_partials);
    a.sparse_block = static_cast<int>(kSparseTile);
    a.density = work.density();
    a.gathered_fraction = work.gathered_fraction();
  }
  std::vector<OpPart> parts{a};

  const double heads = a.heads_q;
  const double hd = a.head_dim;
  if (sparse) {
    // Index estimation: scores of the chunk's last 64 queries against every key (after
    // GQA expansion, so per query head), then the fp32 softmax (read bf16, write fp32)
    // and the column and diagonal sums over that matrix, each its own kernel.
    const std::int64_t last_q = std::min(kSparseTile, q_len);
    GemmShape g;
    g.m = last_q;
    g.n = kv_len;
    g.k = a.head_dim;
    g.batch = a.heads_q;
    g.dtype = a.dtype;
    parts.push_back(g);
    const double scores = static_cast<double>(last_q) * static_cast<double>(kv_len) * heads;
    parts.push_back(ew("sparse_index_estimation", scores, 5, 6));
    parts.push_back(ew("sparse_vertical_sum", scores, 1, 4));
    parts.push_back(ew("sparse_slash_sum", scores, 1, 4));
    // Top-k over kv_len column scores and kv_len diagonal scores per head: a radix
    // select reads its fp32 input once per 8-bit digit (4) and once more to gather.
    parts.push_back(ew("sparse_topk", 2.0 * static_cast<double>(kv_len) * heads, 5, 5 * 4));
    // Sorting the kept indices (verticals ascending, slashes descending): radix sort of
    // 32-bit keys, 4 passes reading and writing 4 bytes.
    parts.push_back(ew("sparse_topk_sort", work.selected * heads, 4, 4 * 8));
    // Index building: one serial walk per (head, query block), one loop step per vertical
    // and slash, each reading one 4-byte index and writing at most one 4-byte tile or
    // column entry; one element per walk (cost_models/index_build_walk.hpp prices the
    // walk's latency). One launch per DCA segment, each walking its share of the lists.
    const int segments = a.dca_partials;
    const double blocks = std::ceil(static_cast<double>(q_len) / static_cast<double>(kSparseTile));
    const double steps = work.index_steps / blocks / segments;  // per walk and segment
    for (int seg = 0; seg < segments; ++seg) {
      parts.push_back(ew(kSparseIndexBuildKind, blocks * heads, 2 * steps, 8 * steps));
    }
  }
  if (a.dca_partials > 1) {
    const double p = a.dca_partials;
    // Rotary for the extra query variants (succ/inter; under sparse also their
    // continuous-position "critical" twins used only for selection).
    const double variants = (p - 1) * (sparse ? 2 : 1);
    parts.push_back(ew("rope", variants * q_len * heads * hd, 3, 4));
    // LSE merge: read p partial outputs and LSEs, write one output.
    parts.push_back(ew("lse_merge", q_len * heads * hd, 3 * p, 2 * (p + 1)));
  }
  return parts;
}

int dca_query_variants(const LongContextOptions& o, bool sparse) {
  if (!o.dca) return 1;
  return sparse ? 5 : 3;
}

double prefill_activation_peak_bytes(const ModelSpec& model, const ParallelConfig& parallel, std::int64_t step_tokens,
                                     std::int64_t kv_len, bool sparse, int query_variants) {
  ParallelConfig p = parallel;
  p.cp = 1;
  p.sequence_parallel = false;
  const LocalDims d = local_dims(model, p, MicroBatchShape{{step_tokens}, 0});
  const double t = static_cast<double>(step_tokens);
  const double elem = static_cast<double>(dtype_bytes(model.dtype));
  const double h = static_cast<double>(model.hidden);
  const double hd = model.head_dim;
  // MLP: input, gate+up output, and the SwiGLU output while the up output is still held.
  const double up = (model.gated_mlp ? 2.0 : 1.0) * static_cast<double>(d.ffn);
  const double mlp = t * (h + up + static_cast<double>(d.ffn)) * elem;
  double attention = t * (h + (d.heads_q + 2.0 * d.heads_kv) * hd + d.heads_q * hd) * elem;
  attention += t * d.heads_q * hd * elem * std::max(0, query_variants - 1);
  if (sparse) attention += static_cast<double>(kSparseTile) * static_cast<double>(kv_len) * d.heads_q * 4.0;
  return std::max(mlp, attention);
}

}  // namespace lcperf::core
