#include "studies/qwen1m_study.hpp"

#include <algorithm>
#include <filesystem>
#include <initializer_list>
#include <string_view>
#include <variant>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "core/errors.hpp"
#include "core/qwen1m_attention.hpp"
#include "core/serving_ops.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/price_cache.hpp"
#include "schedulers/serving/dcpp.hpp"

namespace lcperf::studies {

namespace {

namespace fs = std::filesystem;
namespace serving = schedulers::serving;

constexpr std::int64_t kK = 1024;
constexpr std::int64_t kOneMillion = reports::kQwen1mOneMillion;
constexpr std::int64_t kChunks[] = {32 * kK, 128 * kK};  // the prefill chunk sizes compared
constexpr int kDcppStages = 4;

// Prices parts with the scenario's GPU, caching repeated parts (every layer is alike).
// Qwen2.5-1M serves with --enforce-eager (no CUDA graphs), so every kernel is launched
// from the host: a kernel shorter than the launch latency leaves the GPU waiting for the
// next launch (the launch gap) and costs the latency instead, as CostModel::time_s of a
// KernelOp prices it. A DCA attention part is one launch per partial attention.
class Pricer {
 public:
  explicit Pricer(const core::Scenario& s)
      : model_(s.cluster.gpu,
               cost::load_device_profile(s.sim.device_profile.empty() ? s.cluster.gpu.id : s.sim.device_profile)),
        cache_([this](const core::OpPart& p) { return part_s(p); }) {}

  // One engine step of a single prefill chunk, all layers.
  double step_s(const core::Scenario& s, const core::ParallelConfig& parallel, std::int64_t start,
                std::int64_t tokens, std::int64_t prompt, const core::LongContextOptions& o) {
    core::KernelOp op;
    op.parts = step_parts(s, parallel, start, tokens, prompt, o);
    return cache_.time_s(op);
  }

  // The step's parts, unpriced (for breakdowns).
  static std::vector<core::OpPart> step_parts(const core::Scenario& s, const core::ParallelConfig& parallel,
                                              std::int64_t start, std::int64_t tokens, std::int64_t prompt,
                                              const core::LongContextOptions& o) {
    core::ServingSeq seq;
    seq.q_tokens = tokens;
    seq.context_before = start;
    seq.final_chunk = start + tokens == prompt;
    seq.prompt_tokens = prompt;
    return core::serving_step_parts(s.model, parallel, {seq}, s.model.layers, true, true, o);
  }
  double part_s(const core::OpPart& p) const {
    const auto* a = std::get_if<core::AttentionShape>(&p);
    const double launches = a != nullptr ? std::max(1, a->dca_partials) : 1;
    return std::max(model_.time_s(p), launches * model_.hardware().kernel_launch_latency_s);
  }

 private:
  cost::CostModel model_;
  cost::PriceCache cache_;
};

std::vector<core::Scenario> load_prefill_scenarios(const std::string& data_dir, bool quick) {
  const fs::path dir = fs::path(data_dir) / "qwen1m";
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 13 && name.compare(name.size() - 13, 13, "-prefill.json") == 0) files.push_back(it->path());
  }
  if (ec || files.empty()) throw core::InputError(dir.string() + ": no *-prefill.json scenarios");
  std::sort(files.begin(), files.end());
  std::vector<core::Scenario> out;
  for (const fs::path& f : files) {
    core::Scenario s = core::load_scenario(f.string());
    if (s.kind != core::ScenarioKind::serving) throw core::InputError(f.string() + ": $.kind must be 'serving' for this study");
    out.push_back(std::move(s));
    if (quick) break;
  }
  return out;
}

core::LongContextOptions dense_of(core::LongContextOptions o) {
  o.sparse_attention = false;
  return o;
}

core::LongContextOptions sparse_of(core::LongContextOptions o) {
  o.sparse_attention = true;
  return o;
}

double ttft(Pricer& pricer, const core::Scenario& s, std::int64_t prompt, std::int64_t chunk,
            const core::LongContextOptions& o) {
  const std::int64_t c = chunk > 0 ? chunk : prompt;
  double total = 0;
  for (std::int64_t start = 0; start < prompt; start += c) {
    total += pricer.step_s(s, s.parallel, start, std::min(c, prompt - start), prompt, o);
  }
  return total;
}

// The largest step's transient activations, summed over the TP group, with the query
// variants the scenario's DCA holds.
double activation_bytes(const core::Scenario& s, std::int64_t prompt, std::int64_t step_tokens, bool sparse) {
  const int variants = core::dca_query_variants(core::long_context_options(s.serving), sparse);
  return core::prefill_activation_peak_bytes(s.model, s.parallel, step_tokens, prompt, sparse, variants) *
         s.parallel.tp;
}

// Bytes of one prefill summed over the TP group: weights, the prompt's KV cache and the
// peak activation of the largest step.
double peak_bytes(const core::Scenario& s, std::int64_t prompt, std::int64_t step_tokens, bool sparse) {
  const double tp = s.parallel.tp;
  const double weights = 2.0 * static_cast<double>(s.model.total_params());
  const double kv = static_cast<double>(prompt) * static_cast<double>(s.model.layers) *
                    static_cast<double>(core::kv_bytes_per_token_per_layer(s.model, s.parallel)) * tp;
  return weights + kv + activation_bytes(s, prompt, step_tokens, sparse);
}

std::string scenario_label(const core::Scenario& s) {
  return s.model.id + " TP" + std::to_string(s.parallel.tp) + " on " + s.cluster.gpu.id;
}

reports::Qwen1mScenario describe(const core::Scenario& s) {
  return {scenario_label(s), fs::path(s.source_path).filename().string(), s.serving.sparse_vertical_budget,
          s.serving.sparse_slash_budget, s.serving.sparse_min_context, s.serving.dca_chunk_tokens};
}

// TTFT of every scenario at every chunk size and context, dense and sparse.
std::vector<reports::Qwen1mTtft> price_ttft(const std::vector<core::Scenario>& scenarios,
                                            const std::vector<std::int64_t>& contexts) {
  std::vector<reports::Qwen1mTtft> rows;
  for (const core::Scenario& s : scenarios) {
    Pricer pricer(s);
    const core::LongContextOptions base = core::long_context_options(s.serving);
    for (std::int64_t chunk : kChunks) {
      for (std::int64_t ctx : contexts) {
        rows.push_back({scenario_label(s), ctx, chunk, ttft(pricer, s, ctx, chunk, dense_of(base)),
                        ttft(pricer, s, ctx, chunk, sparse_of(base))});
      }
    }
  }
  return rows;
}

// One 1M-token prefill per scenario, unchunked and at both chunk sizes (largest first).
std::vector<reports::Qwen1mMemory> price_memory(const std::vector<core::Scenario>& scenarios) {
  std::vector<reports::Qwen1mMemory> rows;
  for (const core::Scenario& s : scenarios) {
    for (std::int64_t step : {kOneMillion, 128 * kK, 32 * kK}) {
      rows.push_back({scenario_label(s), step, activation_bytes(s, kOneMillion, step, true),
                      peak_bytes(s, kOneMillion, step, true), s.cluster.gpu.hbm_bytes * s.parallel.tp});
    }
  }
  return rows;
}

reports::Qwen1mActivationCut activation_cut(const core::Scenario& s) {
  return {scenario_label(s), core::prefill_activation_peak_bytes(s.model, s.parallel, kOneMillion, kOneMillion, false),
          core::prefill_activation_peak_bytes(s.model, s.parallel, 32 * kK, kOneMillion, false)};
}

// One 1M-token prompt of scenario `d`'s model on kDcppStages TP1 stages: fixed chunks
// against DCPP's chunks of equal time, dense and sparse.
reports::Qwen1mDcpp price_dcpp(const core::Scenario& d) {
  core::ParallelConfig one = d.parallel;
  one.tp = 1;
  Pricer pricer(d);
  reports::Qwen1mDcpp out{d.model.id, d.cluster.gpu.id, kDcppStages, {}};
  for (bool sparse : {false, true}) {
    const core::LongContextOptions o =
        sparse ? sparse_of(core::long_context_options(d.serving)) : dense_of(core::long_context_options(d.serving));
    const serving::ChunkTime time = [&](std::int64_t start, std::int64_t tokens) {
      return pricer.step_s(d, one, start, tokens, kOneMillion, o);
    };
    for (std::int64_t chunk : kChunks) {
      const std::vector<std::int64_t> fixed = serving::fixed_chunks(kOneMillion, chunk);
      const std::vector<std::int64_t> balanced =
          serving::balanced_chunks(kOneMillion, static_cast<int>(fixed.size()), time);
      const serving::PipelineTiming f = serving::chunked_pipeline(serving::chunk_times(fixed, time), kDcppStages);
      const serving::PipelineTiming b = serving::chunked_pipeline(serving::chunk_times(balanced, time), kDcppStages);
      const auto [lo, hi] = std::minmax_element(balanced.begin(), balanced.end());
      out.rows.push_back({sparse, chunk, fixed.size(), f.makespan_s, f.bubble, b.makespan_s, b.bubble, *hi, *lo});
    }
  }
  return out;
}

// Score pairs of the attention parts of a prefill: as dense causal attention computes
// them, as the sparse kernel executes them (whole tiles and gather groups), and of those
// the ones loaded by index.
struct AttentionPairs {
  double dense = 0;
  double executed = 0;
  double gathered = 0;
  void add(const core::AttentionShape& a) {
    const double pairs = core::attention_score_pairs(a);
    dense += pairs;
    executed += pairs * a.density;
    gathered += pairs * a.density * a.gathered_fraction;
  }
  double cut() const { return executed > 0 ? dense / executed : 0.0; }
  double gathered_fraction() const { return executed > 0 ? gathered / executed : 0.0; }
};

bool is_kind(const core::OpPart& p, std::initializer_list<std::string_view> kinds) {
  const auto* e = std::get_if<core::ElementwiseShape>(&p);
  return e != nullptr && std::find(kinds.begin(), kinds.end(), e->kind) != kinds.end();
}

// The sparse 1M-token prefill of every scenario at the headline chunk, part by part.
std::vector<reports::Qwen1mSparseBreakdown> price_breakdown(const std::vector<core::Scenario>& scenarios) {
  std::vector<reports::Qwen1mSparseBreakdown> rows;
  for (const core::Scenario& s : scenarios) {
    Pricer pricer(s);
    const core::LongContextOptions o = sparse_of(core::long_context_options(s.serving));
    const std::int64_t chunk = reports::kQwen1mHeadlineChunk;
    reports::Qwen1mSparseBreakdown b;
    b.scenario = scenario_label(s);
    AttentionPairs pairs;
    for (std::int64_t start = 0; start < kOneMillion; start += chunk) {
      const std::int64_t tokens = std::min(chunk, kOneMillion - start);
      bool after_sparse_attention = false;  // the estimation GEMM follows the sparse kernel
      for (const core::OpPart& p : Pricer::step_parts(s, s.parallel, start, tokens, kOneMillion, o)) {
        const double t = pricer.part_s(p);
        if (const auto* a = std::get_if<core::AttentionShape>(&p)) {
          core::AttentionShape dense = *a;
          dense.density = 1.0;
          dense.sparse_block = 0;
          dense.gathered_fraction = 0.0;
          b.dense_attention_s += pricer.part_s(dense);
          b.attention_s += t;
          pairs.add(*a);
          after_sparse_attention = a->sparse_block > 0;
          continue;
        }
        if (after_sparse_attention && std::holds_alternative<core::GemmShape>(p)) {
          b.estimation_s += t;
        } else if (is_kind(p, {"sparse_index_estimation", "sparse_vertical_sum", "sparse_slash_sum"})) {
          b.estimation_s += t;
        } else if (is_kind(p, {"sparse_topk", "sparse_topk_sort"})) {
          b.topk_s += t;
        } else if (is_kind(p, {core::kSparseIndexBuildKind})) {
          b.index_build_s += t;
        } else {
          b.other_s += t;
        }
        after_sparse_attention = false;
      }
    }
    b.attention_cut = pairs.cut();
    b.gathered_fraction = pairs.gathered_fraction();
    rows.push_back(b);
  }
  return rows;
}

// Executed pairs over dense causal pairs of the sparse attention parts of one prefill.
double attention_cut(const core::Scenario& s, std::int64_t prompt, std::int64_t chunk, const core::LongContextOptions& o) {
  AttentionPairs pairs;
  for (std::int64_t start = 0; start < prompt; start += chunk) {
    for (const core::OpPart& p : Pricer::step_parts(s, s.parallel, start, std::min(chunk, prompt - start), prompt, o)) {
      if (const auto* a = std::get_if<core::AttentionShape>(&p)) pairs.add(*a);
    }
  }
  return pairs.cut();
}

// The 1M-token speedup with the slash lines placed from contiguous to all spread, so the
// report shows how much the unmeasured placement moves it.
std::vector<reports::Qwen1mPlacementRow> price_placement(const std::vector<core::Scenario>& scenarios) {
  std::vector<reports::Qwen1mPlacementRow> rows;
  for (const core::Scenario& s : scenarios) {
    Pricer pricer(s);
    const core::LongContextOptions base = core::long_context_options(s.serving);
    const std::int64_t chunk = reports::kQwen1mHeadlineChunk;
    const double dense = ttft(pricer, s, kOneMillion, chunk, dense_of(base));
    std::vector<double> spreads = {0.0, 0.1, 0.25, 0.5, 1.0};
    if (std::find(spreads.begin(), spreads.end(), base.slash_spread) == spreads.end()) spreads.push_back(base.slash_spread);
    std::sort(spreads.begin(), spreads.end());
    for (double spread : spreads) {
      core::LongContextOptions o = sparse_of(base);
      o.slash_spread = spread;
      rows.push_back({scenario_label(s), spread, spread == base.slash_spread, dense / ttft(pricer, s, kOneMillion, chunk, o),
                      attention_cut(s, kOneMillion, chunk, o)});
    }
  }
  return rows;
}

}  // namespace

double single_prefill_ttft_s(const core::Scenario& s, std::int64_t prompt, std::int64_t chunk,
                             const core::LongContextOptions& options) {
  Pricer pricer(s);
  return ttft(pricer, s, prompt, chunk, options);
}

reports::Qwen1mResults run_qwen1m_study(const std::string& data_dir, bool quick) {
  const std::vector<core::Scenario> scenarios = load_prefill_scenarios(data_dir, quick);
  const std::vector<std::int64_t> contexts =
      quick ? std::vector<std::int64_t>{128 * kK, kOneMillion}
            : std::vector<std::int64_t>{128 * kK, 256 * kK, 512 * kK, kOneMillion};
  reports::Qwen1mResults out;
  out.quick = quick;
  for (const core::Scenario& s : scenarios) out.scenarios.push_back(describe(s));
  out.ttft = price_ttft(scenarios, contexts);
  out.memory = price_memory(scenarios);
  out.activation_cut = activation_cut(scenarios.front());
  out.dcpp = price_dcpp(scenarios.front());
  out.breakdown = price_breakdown(scenarios);
  out.placement = price_placement(scenarios);
  return out;
}

}  // namespace lcperf::studies
