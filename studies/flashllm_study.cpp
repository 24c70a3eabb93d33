#include "studies/flashllm_study.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/scenario.hpp"
#include "core/serving_ops.hpp"
#include "core/sparse_weights.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/spmm_breakeven.hpp"

namespace lcperf::studies {

namespace {

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

// The pipeline breakdown of one model's weights at N = 16 (decode-sized), against the
// same SpMM with every term overlapped.
std::vector<reports::FlashllmPipelineRow> price_pipeline(const core::ModelSpec& model, const FlashllmGpu& gpu) {
  const cost::CostModel cost(gpu.hw, gpu.profile);
  cost::DeviceProfile ideal_profile = gpu.profile;
  ideal_profile.of(cost::OpClass::spmm).extraction.sm_count = 0;
  const cost::CostModel ideal(gpu.hw, ideal_profile);
  constexpr std::int64_t kTokens = 16;
  std::vector<reports::FlashllmPipelineRow> rows;
  for (const core::WeightMatrix& w : full_shapes(model)) {
    const cost::WeightMatmul mm{w.out, w.in, kTokens, model.dtype};
    for (double s : reports::kFlashllmKernelSparsities) {
      const core::SpmmShape shape = cost::spmm_of(mm, s);
      const std::optional<cost::SpmmPipelineCost> p = cost.spmm_pipeline(shape);
      if (!p) return {};
      rows.push_back({model.id, std::string(core::to_string(w.cls)), kTokens, s, p->split_k, p->wave_utilisation,
                      p->imbalance, p->stream_s, p->smem_s, p->mma_s, p->exposed_scatter_s, p->fill_s, p->reduction_s,
                      p->time_s, ideal.time_s(shape), cost.time_s(cost::dense_gemm_of(mm))});
    }
  }
  return rows;
}

// Dense GEMM vs SpMM on every full weight shape of the study's models, on one GPU.
reports::FlashllmGpuKernels price_kernels(const FlashllmStudy& study, const FlashllmGpu& gpu) {
  const cost::CostModel cost(gpu.hw, gpu.profile);
  reports::FlashllmGpuKernels out{gpu.hw.id, gpu.hw.name, {}, {}, {}, {}};
  for (const core::ModelSpec& model : study.models) {
    for (const core::WeightMatrix& w : full_shapes(model)) {
      const std::string weight(core::to_string(w.cls));
      for (std::int64_t n : study.kernel_tokens) {
        const cost::WeightMatmul mm{w.out, w.in, n, model.dtype};
        reports::FlashllmKernelRow row{model.id, weight, w.out, w.in, n, cost.time_s(cost::dense_gemm_of(mm)), {}, {}};
        for (std::size_t i = 0; i < reports::kFlashllmKernelSparsities.size(); ++i) {
          row.spmm_s[i] = cost.time_s(cost::spmm_of(mm, reports::kFlashllmKernelSparsities[i]));
        }
        row.break_even = cost::spmm_break_even_sparsity(cost, mm);
        out.kernels.push_back(std::move(row));
      }
      reports::FlashllmComputeBoundRow bound{model.id, weight, {}};
      for (std::size_t i = 0; i < reports::kFlashllmKernelSparsities.size(); ++i) {
        bound.tokens[i] = cost::spmm_compute_bound_tokens(cost, cost::WeightMatmul{w.out, w.in, 0, model.dtype},
                                                          reports::kFlashllmKernelSparsities[i]);
      }
      out.compute_bound.push_back(std::move(bound));
    }
  }
  for (std::int64_t n : {8, 16, 32, 64, 128}) {
    out.peak_rate_crossover.emplace_back(n, cost::ideal_compute_bound_sparsity(gpu.hw, n, core::DType::fp16));
  }
  out.pipeline = price_pipeline(study.models.front(), gpu);
  return out;
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

reports::FlashllmResults run_flashllm_study(const FlashllmStudy& study) {
  reports::FlashllmResults out;
  out.quick = study.quick;
  for (const core::ModelSpec& model : study.models) out.models.push_back(model.id);
  for (const FlashllmGpu& gpu : study.gpus) out.gpus.push_back(price_kernels(study, gpu));
  out.batches = study.batches;
  out.context = study.context;
  out.hbm_fraction = study.hbm_fraction;
  out.points = flashllm_points(study);
  return out;
}

}  // namespace lcperf::studies
