#pragma once
// The Flash-LLM study behind `lcperf reproduce flashllm`. Analytic, not simulated: every
// number comes from the cost model pricing one decode step's parts (core/serving_ops +
// core/sparse_weights rewrite), so the report is deterministic and needs no fork. The
// numbers go to reports/flashllm_report.hpp, which writes the Markdown.
//
// - Kernel level: the four weight shapes of OPT-30B/66B/175B (Flash-LLM's benchmark
//   shapes, full unsharded M x K) at N = 8, 16, 32, 64 tokens: dense GEMM vs SpMM at
//   70/80/90 % sparsity, the break-even sparsity and the compute-bound N.
// - Serving: each model x GPU x sparsity x decode batch on the fewest TP GPUs (1..16,
//   dividing the head count) whose HBM holds the weights (Tiled-CSL where SpMM is chosen)
//   and the KV cache of batch x context tokens with 10 % headroom; tokens per GPU-second
//   = batch / (decode step time x GPUs), against the dense model on its own GPU count.
#include <cstdint>
#include <string>
#include <vector>

#include "core/hardware_spec.hpp"
#include "core/model_spec.hpp"
#include "cost_models/device_profile.hpp"
#include "reports/flashllm_report.hpp"

namespace lcperf::studies {

struct FlashllmGpu {
  core::HardwareSpec hw;
  cost::DeviceProfile profile;
};

struct FlashllmStudy {
  bool quick = false;
  std::vector<core::ModelSpec> models;  // by size
  std::vector<FlashllmGpu> gpus;
  std::vector<double> sparsities;        // 0 first: the dense baseline
  std::vector<std::int64_t> batches;     // decode batch sizes
  std::vector<std::int64_t> kernel_tokens;  // N of the kernel table
  std::int64_t context = 0;              // tokens per sequence held in KV and attended to
  double hbm_fraction = 0.9;             // usable share of HBM
  int gpus_per_node = 8;                 // TP 16 spans two nodes
};

inline constexpr int kFlashllmTpChoices[] = {1, 2, 4, 8, 16};

// `quick`: OPT-30B on the A100 only, batches 8 and 64 (for tests).
FlashllmStudy plan_flashllm_study(bool quick);

// One serving point; the type the report renders (reports/flashllm_report.hpp).
using reports::FlashllmPoint;

// Every model x gpu x sparsity x batch, in that nesting order.
std::vector<FlashllmPoint> flashllm_points(const FlashllmStudy& study);

// Prices the kernel tables and every serving point: the numbers the report renders.
reports::FlashllmResults run_flashllm_study(const FlashllmStudy& study);

}  // namespace lcperf::studies
