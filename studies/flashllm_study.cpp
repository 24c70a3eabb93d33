#include "studies/flashllm_study.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/scenario.hpp"
#include "core/serving_ops.hpp"
#include "core/sparse_weights.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/spmm_breakeven.hpp"
#include "reports/format.hpp"

namespace lcperf::studies {

namespace {

using reports::printf_string;

constexpr double kGB = 1e9;
// The paper's end-to-end headline (abstract): tokens per GPU-second over DeepSpeed and
// FasterTransformer on A100.
constexpr double kPaperVsDeepSpeed = 3.8;
constexpr double kPaperVsFasterTransformer = 3.6;
constexpr double kFocusSparsity = 0.8;  // the sparsity the paper's end-to-end runs use

std::string pct(double s) { return printf_string("%.0f %%", 100.0 * s); }
std::string us(double s) { return printf_string("%.1f", s * 1e6); }

core::ParallelConfig tp_config(int tp) {
  core::ParallelConfig p;
  p.tp = tp;
  return p;
}

std::vector<core::WeightMatrix> full_shapes(const core::ModelSpec& m) {
  return core::layer_weight_matrices(m, tp_config(1));
}

double step_time_s(const cost::CostModel& cost, const core::ModelSpec& model, const FlashllmStudy& study, int tp,
                   const core::SparseWeights& sparse, std::int64_t batch, int* sparse_classes) {
  const core::ParallelConfig p = tp_config(tp);
  std::vector<core::ServingSeq> seqs(static_cast<std::size_t>(batch), core::ServingSeq{1, study.context - 1, true, false});
  std::vector<core::OpPart> parts = core::serving_step_parts(model, p, seqs, model.layers, true);
  const int nodes = (tp + study.gpus_per_node - 1) / study.gpus_per_node;
  for (core::OpPart& part : parts) {
    if (auto* c = std::get_if<core::CollectiveShape>(&part)) c->nodes = nodes;
  }
  parts = core::rewrite_sparse_weight_parts(std::move(parts), model, p, sparse, cost::spmm_beats_dense(cost));
  double t = 0;
  int spmm_parts = 0;
  for (const core::OpPart& part : parts) {
    t += cost.time_s(part);
    if (std::holds_alternative<core::SpmmShape>(part)) ++spmm_parts;
  }
  *sparse_classes = model.layers > 0 ? spmm_parts / model.layers : 0;
  return t;
}

FlashllmPoint serving_point(const cost::CostModel& cost, const core::ModelSpec& model, const FlashllmGpu& gpu,
                            const FlashllmStudy& study, double sparsity, std::int64_t batch) {
  FlashllmPoint pt{model.id, gpu.hw.id, sparsity, batch};
  const core::SparseWeights sparse = core::SparseWeights::uniform(sparsity);
  for (int tp : kFlashllmTpChoices) {
    if (model.heads % tp != 0 || model.kv_heads % tp != 0) continue;
    const core::ParallelConfig p = tp_config(tp);
    const double weights = core::weight_bytes_per_rank(model, p, sparse, cost::spmm_beats_dense(cost), batch);
    const double kv = static_cast<double>(core::kv_bytes_per_token_per_layer(model, p)) * model.layers *
                      static_cast<double>(batch * study.context);
    if (weights + kv > study.hbm_fraction * gpu.hw.hbm_bytes) continue;
    pt.gpus = tp;
    pt.weight_bytes_per_gpu = weights;
    pt.kv_bytes_per_gpu = kv;
    pt.step_s = step_time_s(cost, model, study, tp, sparse, batch, &pt.sparse_classes);
    pt.tokens_per_gpu_s = static_cast<double>(batch) / (pt.step_s * tp);
    break;
  }
  return pt;
}

std::string kernel_section(const FlashllmStudy& study, const FlashllmGpu& gpu, const cost::CostModel& cost,
                           std::vector<double>* speedups_80, double* best_90,
                           std::vector<double>* break_evens) {
  std::string md = printf_string("### %s\n\n", gpu.hw.name.c_str());
  md += "| model | weight | M x K | N | dense GEMM (us) | SpMM 70 % (us) | 80 % | 90 % | speedup 70/80/90 % | "
        "break-even sparsity |\n|---|---|---|---|---|---|---|---|---|---|\n";
  for (const core::ModelSpec& model : study.models) {
    for (const core::WeightMatrix& w : full_shapes(model)) {
      for (std::int64_t n : study.kernel_tokens) {
        const cost::WeightMatmul mm{w.out, w.in, n, model.dtype};
        const double dense = cost.time_s(cost::dense_gemm_of(mm));
        double t[3];
        const double s3[3] = {0.7, 0.8, 0.9};
        for (int i = 0; i < 3; ++i) t[i] = cost.time_s(cost::spmm_of(mm, s3[i]));
        speedups_80->push_back(dense / t[1]);
        *best_90 = std::max(*best_90, dense / t[2]);
        const auto be = cost::spmm_break_even_sparsity(cost, mm);
        break_evens->push_back(be ? *be : 1.0);
        md += printf_string("| %s | %s | %lld x %lld | %lld | %s | %s | %s | %s | %.2f / %.2f / %.2f | %s |\n",
                            model.id.c_str(), std::string(core::to_string(w.cls)).c_str(),
                            static_cast<long long>(w.out), static_cast<long long>(w.in), static_cast<long long>(n),
                            us(dense).c_str(), us(t[0]).c_str(), us(t[1]).c_str(), us(t[2]).c_str(), dense / t[0],
                            dense / t[1], dense / t[2], be ? pct(*be).c_str() : "never");
      }
    }
  }
  md += "\nWhere the SpMM turns compute-bound (smallest power-of-two N whose roofline is decided by the "
        "tensor-core term; `-` = not by 65536), and the peak-rate crossover sparsity "
        "1 - 2N·BW/((elem+2)·peak):\n\n| model | weight | 70 % | 80 % | 90 % |\n|---|---|---|---|---|\n";
  for (const core::ModelSpec& model : study.models) {
    for (const core::WeightMatrix& w : full_shapes(model)) {
      md += printf_string("| %s | %s |", model.id.c_str(), std::string(core::to_string(w.cls)).c_str());
      for (double s : {0.7, 0.8, 0.9}) {
        const auto n = cost::spmm_compute_bound_tokens(cost, cost::WeightMatmul{w.out, w.in, 0, model.dtype}, s);
        md += n ? printf_string(" N = %lld |", static_cast<long long>(*n)) : std::string(" - |");
      }
      md += "\n";
    }
  }
  md += "\n| N | 8 | 16 | 32 | 64 | 128 |\n|---|---|---|---|---|---|\n| compute-bound above sparsity (peak rates) |";
  for (std::int64_t n : {8, 16, 32, 64, 128}) {
    md += printf_string(" %.1f %% |", 100.0 * cost::ideal_compute_bound_sparsity(gpu.hw, n, core::DType::fp16));
  }
  md += "\n\n";
  return md;
}

const FlashllmPoint* find(const std::vector<FlashllmPoint>& pts, const std::string& model, const std::string& gpu,
                          double s, std::int64_t b) {
  for (const FlashllmPoint& p : pts) {
    if (p.model == model && p.gpu == gpu && p.sparsity == s && p.batch == b) return &p;
  }
  return nullptr;
}

const FlashllmPoint* best(const std::vector<FlashllmPoint>& pts, const std::string& model, const std::string& gpu,
                          double s) {
  const FlashllmPoint* top = nullptr;
  for (const FlashllmPoint& p : pts) {
    if (p.model != model || p.gpu != gpu || p.sparsity != s || p.gpus == 0) continue;
    if (top == nullptr || p.tokens_per_gpu_s > top->tokens_per_gpu_s) top = &p;
  }
  return top;
}

}  // namespace

FlashllmStudy plan_flashllm_study(bool quick) {
  FlashllmStudy study;
  study.quick = quick;
  const std::vector<std::string> models = quick ? std::vector<std::string>{"opt-30b"}
                                                : std::vector<std::string>{"opt-30b", "opt-66b", "opt-175b"};
  const std::vector<std::string> gpus = quick ? std::vector<std::string>{"a100-80gb"}
                                              : std::vector<std::string>{"a100-80gb", "h200"};
  for (const std::string& m : models) study.models.push_back(core::load_model(m));
  for (const std::string& g : gpus) study.gpus.push_back(FlashllmGpu{core::load_hardware(g), cost::load_device_profile(g)});
  study.sparsities = {0.0, 0.7, 0.8, 0.9};
  study.batches = quick ? std::vector<std::int64_t>{8, 64} : std::vector<std::int64_t>{8, 16, 32, 64};
  study.kernel_tokens = {8, 16, 32, 64};
  // A 512-token prompt and 512 generated tokens, as in the DeepSpeed example the
  // reference cites; every decode is priced at the full context (conservative).
  study.context = 1024;
  return study;
}

std::vector<FlashllmPoint> flashllm_points(const FlashllmStudy& study) {
  std::vector<FlashllmPoint> pts;
  for (const core::ModelSpec& model : study.models) {
    for (const FlashllmGpu& gpu : study.gpus) {
      const cost::CostModel cost(gpu.hw, gpu.profile);
      for (double s : study.sparsities) {
        for (std::int64_t b : study.batches) pts.push_back(serving_point(cost, model, gpu, study, s, b));
      }
    }
  }
  return pts;
}

std::string flashllm_report(const FlashllmStudy& study) {
  std::string md = "# Flash-LLM reproduction (unstructured-sparse weights in serving)\n\n";
  md += printf_string("Generated by `lcperf reproduce flashllm%s`", study.quick ? " --quick" : "");
  md += " from the cost model alone (no simulation): deterministic. Reference: "
        "`shared/reference/flash-llm.md`. SpMM is priced by the roofline in `cost_models/README.md` (Tiled-CSL "
        "bytes, dense tensor-core FLOPs, shared-memory extraction); a measured `spmm` table in the device "
        "profile replaces it where present.\n\n";

  md += "## Kernel level: SpMM vs dense GEMM on the OPT weight shapes\n\n";
  std::vector<double> speedups_80;
  std::vector<double> break_evens;  // 1 = never
  double best_90 = 0;
  for (const FlashllmGpu& gpu : study.gpus) {
    const cost::CostModel cost(gpu.hw, gpu.profile);
    std::vector<double> sp80;
    std::vector<double> be;
    double b90 = 0;
    md += kernel_section(study, gpu, cost, &sp80, &b90, &be);
    if (speedups_80.empty()) {
      speedups_80 = sp80;
      best_90 = b90;
      break_evens = be;
    }
  }
  double mean80 = 0;
  for (double v : speedups_80) mean80 += v / static_cast<double>(speedups_80.size());
  const auto [min80, max80] = std::minmax_element(speedups_80.begin(), speedups_80.end());

  md += "## Serving: tokens per GPU-second, fewest GPUs that fit\n\n";
  md += printf_string("Decode steps of `batch` sequences at %lld tokens of context; weights + KV cache must fit in "
                      "%.0f %% of HBM per GPU with TP in {1, 2, 4, 8, 16} dividing the head count (TP 16 spans two "
                      "nodes). A weight class runs as SpMM (and is stored in Tiled-CSL) where it beats the dense "
                      "GEMM at that batch; sparsity 0 is the dense baseline on the GPUs it needs, as DeepSpeed or "
                      "FasterTransformer would run it.\n\n",
                      static_cast<long long>(study.context), 100.0 * study.hbm_fraction);
  const std::vector<FlashllmPoint> pts = flashllm_points(study);
  md += "| model | GPU | sparsity | batch | GPUs | weights/GPU (GB) | KV/GPU (GB) | SpMM classes | step (ms) | "
        "tokens/GPU-s | vs dense |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const FlashllmPoint& p : pts) {
    const FlashllmPoint* dense = find(pts, p.model, p.gpu, 0.0, p.batch);
    if (p.gpus == 0) {
      md += printf_string("| %s | %s | %s | %lld | does not fit | | | | | | |\n", p.model.c_str(), p.gpu.c_str(),
                          pct(p.sparsity).c_str(), static_cast<long long>(p.batch));
      continue;
    }
    const std::string ratio = dense != nullptr && dense->gpus > 0
                                  ? printf_string("%.2fx", p.tokens_per_gpu_s / dense->tokens_per_gpu_s)
                                  : std::string("-");
    md += printf_string("| %s | %s | %s | %lld | %d | %.1f | %.1f | %d | %.2f | %.1f | %s |\n", p.model.c_str(),
                        p.gpu.c_str(), pct(p.sparsity).c_str(), static_cast<long long>(p.batch), p.gpus,
                        p.weight_bytes_per_gpu / kGB, p.kv_bytes_per_gpu / kGB, p.sparse_classes, p.step_s * 1e3,
                        p.tokens_per_gpu_s, ratio.c_str());
  }

  md += "\n## Where the simulation agrees or disagrees with the paper\n\n";
  md += printf_string("- **Kernel speedup.** On %s at 80 %% sparsity and N = 8-64 the modelled SpMM is %.2fx-%.2fx the "
                      "dense GEMM (mean %.2fx); the byte-ratio ideal is 2.5x. At 90 %% the best shape reaches %.2fx "
                      "(ideal 5x). %s\n",
                      study.gpus.front().hw.name.c_str(), *min80, *max80, mean80, best_90,
                      *min80 > 1.0 ? "Agrees with the paper's claim that SpMM beats cuBLAS on these skinny shapes; "
                                     "the model has no Sputnik/SparTA baselines, so the 2.9x/1.5x kernel claims are "
                                     "not checked."
                                   : "Disagrees in part: some shapes lose to the dense GEMM here.");
  const auto [be_lo, be_hi] = std::minmax_element(break_evens.begin(), break_evens.end());
  md += printf_string("- **Break-even and compute crossover.** On %s the break-even sparsity over these shapes and N "
                      "is %.1f-%.1f %% (format-only bound: 50 %%, 4 bytes per non-zero vs 2 per dense element; "
                      "the rest is the SpMM profile's lower memory efficiency and its extraction term). The "
                      "peak-rate crossover row is the reference's 97 / 95 / 89.5 / 79 / 58 %% on the A100; with "
                      "the profile's efficiencies the SpMM turns compute-bound at a larger N (second table), so "
                      "its advantage lives at decode-sized N, as the paper's focus on N <= 64 says.\n",
                      study.gpus.front().hw.name.c_str(), 100.0 * *be_lo, 100.0 * *be_hi);
  for (const core::ModelSpec& model : study.models) {
    for (const FlashllmGpu& gpu : study.gpus) {
      const FlashllmPoint* dense_best = best(pts, model.id, gpu.hw.id, 0.0);
      const FlashllmPoint* sparse_best = best(pts, model.id, gpu.hw.id, kFocusSparsity);
      const FlashllmPoint* dense64 = find(pts, model.id, gpu.hw.id, 0.0, study.batches.back());
      const FlashllmPoint* sparse64 = find(pts, model.id, gpu.hw.id, kFocusSparsity, study.batches.back());
      if (dense_best == nullptr || sparse_best == nullptr || dense64 == nullptr || sparse64 == nullptr) continue;
      const double ratio = sparse_best->tokens_per_gpu_s / dense_best->tokens_per_gpu_s;
      // The largest gain at one batch size (both on their fewest GPUs).
      double batch_ratio = 0;
      std::int64_t batch_at = 0;
      for (std::int64_t b : study.batches) {
        const FlashllmPoint* d = find(pts, model.id, gpu.hw.id, 0.0, b);
        const FlashllmPoint* sp = find(pts, model.id, gpu.hw.id, kFocusSparsity, b);
        if (d == nullptr || sp == nullptr || d->gpus == 0 || sp->gpus == 0) continue;
        if (sp->tokens_per_gpu_s / d->tokens_per_gpu_s > batch_ratio) {
          batch_ratio = sp->tokens_per_gpu_s / d->tokens_per_gpu_s;
          batch_at = b;
        }
      }
      std::string fit = sparse64->gpus == 0 || dense64->gpus == 0
                            ? printf_string("one of them does not fit at batch %lld",
                                            static_cast<long long>(study.batches.back()))
                            : printf_string("at batch %lld it fits on %d GPUs vs %d dense",
                                            static_cast<long long>(study.batches.back()), sparse64->gpus,
                                            dense64->gpus);
      md += printf_string("- **%s on %s, 80 %% sparsity:** %s; best tokens/GPU-s %.1f (batch %lld, %d GPUs) vs "
                          "dense %.1f (batch %lld, %d GPUs): %.2fx; at equal batch the largest gain is %.2fx (batch %lld) "
                          "(paper: up to %.1fx / %.1fx over DeepSpeed / FasterTransformer) — %s.\n",
                          model.id.c_str(), gpu.hw.name.c_str(), fit.c_str(), sparse_best->tokens_per_gpu_s,
                          static_cast<long long>(sparse_best->batch), sparse_best->gpus, dense_best->tokens_per_gpu_s,
                          static_cast<long long>(dense_best->batch), dense_best->gpus, ratio, batch_ratio,
                          static_cast<long long>(batch_at), kPaperVsDeepSpeed,
                          kPaperVsFasterTransformer,
                          batch_ratio >= kPaperVsFasterTransformer ? "agrees"
                          : batch_ratio > 1.0 ? "same direction, smaller gain (the model has no framework overheads "
                                          "and prices dense decode at the GEMM roofline)"
                                        : "disagrees");
    }
  }
  md += "\nNot modelled: Split-K reduction traffic, the paper's exact batch sizes and GPU counts (unknown), "
        "DeepSpeed/FasterTransformer framework overheads, prefill. H200 results are a prediction: the paper has "
        "none.\n";
  return md;
}

}  // namespace lcperf::studies
