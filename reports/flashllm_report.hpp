#pragma once
// The Markdown report of `lcperf reproduce flashllm`: Flash-LLM's unstructured-sparse
// weights in serving, from the numbers studies/flashllm_study.cpp prices with the cost
// model. This file only formats; every verdict against the paper ("agrees", "same
// direction") is derived here from those numbers, so other numbers give other sentences.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lcperf::reports {

// The SpMM sparsities of the kernel tables, in column order (the headers name them).
inline constexpr std::array<double, 3> kFlashllmKernelSparsities = {0.7, 0.8, 0.9};

// One weight shape (full, unsharded M x K) applied to N tokens: dense GEMM vs SpMM.
struct FlashllmKernelRow {
  std::string model;
  std::string weight;  // the weight class ("qkv", "out", ...)
  std::int64_t rows = 0;     // M
  std::int64_t columns = 0;  // K
  std::int64_t tokens = 0;   // N
  double dense_s = 0;
  std::array<double, kFlashllmKernelSparsities.size()> spmm_s{};
  std::optional<double> break_even;  // smallest sparsity at which SpMM wins; nullopt: never
};

// Where one weight shape's SpMM turns compute-bound, per kernel sparsity.
struct FlashllmComputeBoundRow {
  std::string model;
  std::string weight;
  // Smallest power-of-two N decided by the tensor-core term; nullopt: not by 65536.
  std::array<std::optional<std::int64_t>, kFlashllmKernelSparsities.size()> tokens{};
};

// Where one SpMM's time goes under the pipeline model (cost_models/spmm_pipeline.hpp).
struct FlashllmPipelineRow {
  std::string model;
  std::string weight;
  std::int64_t tokens = 0;
  double sparsity = 0;
  int split_k = 1;
  double wave_utilisation = 1;
  double imbalance = 1;
  double stream_s = 0;
  double smem_s = 0;
  double mma_s = 0;
  double exposed_scatter_s = 0;
  double fill_s = 0;
  double reduction_s = 0;
  double time_s = 0;
  double ideal_overlap_s = 0;  // the same SpMM with every term overlapped (the old model)
  double dense_s = 0;
};

// The kernel-level results on one GPU.
struct FlashllmGpuKernels {
  std::string id;    // hardware id, as FlashllmPoint::gpu names it
  std::string name;  // display name
  std::vector<FlashllmKernelRow> kernels;  // model x weight x N
  std::vector<FlashllmComputeBoundRow> compute_bound;  // model x weight
  // (N, sparsity above which the SpMM is compute-bound at peak rates).
  std::vector<std::pair<std::int64_t, double>> peak_rate_crossover;
  // The first model's weights at N = 16, every kernel sparsity; empty without a pipeline.
  std::vector<FlashllmPipelineRow> pipeline;
};

// One model on one GPU type at one sparsity and decode batch, on the fewest TP GPUs that fit.
struct FlashllmPoint {
  std::string model;
  std::string gpu;
  double sparsity = 0;
  std::int64_t batch = 0;
  int gpus = 0;  // 0: does not fit on 16
  double weight_bytes_per_gpu = 0;
  double kv_bytes_per_gpu = 0;
  double step_s = 0;
  double tokens_per_gpu_s = 0;
  int sparse_classes = 0;  // weight classes run as SpMM (of 4)
};

struct FlashllmResults {
  bool quick = false;                   // named in the report's command line
  std::vector<std::string> models;      // model ids, by size
  std::vector<FlashllmGpuKernels> gpus;  // in the order the points nest them
  std::vector<std::int64_t> batches;    // decode batch sizes, ascending
  std::int64_t context = 0;             // tokens per sequence held in KV and attended to
  double hbm_fraction = 0;              // usable share of HBM
  std::vector<FlashllmPoint> points;    // model x gpu x sparsity x batch (sparsity 0 first)
};

std::string render_flashllm_report(const FlashllmResults& results);

}  // namespace lcperf::reports
