#include "studies/measured_metric.hpp"

#include <array>
#include <stdexcept>

#include "core/units.hpp"

namespace lcperf::studies {

namespace {

constexpr std::array<UnitSpelling, 2> kSeconds = {{{"s", 1}, {"ms", 1e-3}}};
constexpr std::array<UnitSpelling, 1> kTokensPerS = {{{"tokens/s", 1}}};
constexpr std::array<UnitSpelling, 1> kTokensPerSPerGpu = {{{"tokens/s/GPU", 1}}};
constexpr std::array<UnitSpelling, 2> kRatio = {{{"ratio", 1}, {"%", 1e-2}}};
constexpr std::array<UnitSpelling, 3> kBytes = {{{"bytes", 1}, {"GiB", kGiB}, {"GB", kGB}}};

constexpr std::array<MetricSpec, 13> kMetrics = {{
    {MeasuredMetric::iteration_time_s, "iteration_time_s", RunKind::training, kSeconds,
     "result.json iteration_time_s (one training iteration: a global batch)"},
    {MeasuredMetric::tokens_per_s, "tokens_per_s", RunKind::training, kTokensPerS,
     "result.json tokens_per_s (the whole cluster)"},
    {MeasuredMetric::tokens_per_s_per_gpu, "tokens_per_s_per_gpu", RunKind::training, kTokensPerSPerGpu,
     "result.json tokens_per_s / world_size"},
    {MeasuredMetric::mfu, "mfu", RunKind::training, kRatio,
     "result.json mfu (lcperf's model FLOPs and the hardware's dense peak)"},
    {MeasuredMetric::peak_memory_bytes, "peak_memory_bytes", RunKind::training, kBytes,
     "result.json peak_memory_bytes (max over ranks)"},
    {MeasuredMetric::ttft_p50_s, "ttft_p50_s", RunKind::serving, kSeconds, "result.json ttft_s.p50"},
    {MeasuredMetric::ttft_mean_s, "ttft_mean_s", RunKind::serving, kSeconds,
     "result.json ttft_s.mean (the mean over requests, what AIPerf/GenAI-Perf report as avg)"},
    {MeasuredMetric::tpot_p50_s, "tpot_p50_s", RunKind::serving, kSeconds, "result.json tpot_s.p50"},
    {MeasuredMetric::tpot_mean_s, "tpot_mean_s", RunKind::serving, kSeconds,
     "result.json tpot_s.mean (the mean over requests of each one's inter-token latency)"},
    {MeasuredMetric::e2e_p50_s, "e2e_p50_s", RunKind::serving, kSeconds, "result.json e2e_s.p50"},
    {MeasuredMetric::serving_throughput_tokens_per_s, "throughput_tokens_per_s", RunKind::serving, kTokensPerS,
     "result.json throughput_tokens_per_s"},
    {MeasuredMetric::output_tokens_per_s, "output_tokens_per_s", RunKind::serving, kTokensPerS,
     "result.json output_tokens_per_s (the whole run)"},
    {MeasuredMetric::output_tokens_per_s_per_gpu, "output_tokens_per_s_per_gpu", RunKind::serving, kTokensPerSPerGpu,
     "result.json output_tokens_per_s / (tp x pp x instances)"},
}};

}  // namespace

std::string_view run_kind_name(RunKind kind) { return kind == RunKind::training ? "training" : "serving"; }

std::span<const MetricSpec> measured_metrics() { return kMetrics; }

const MetricSpec& metric_spec(MeasuredMetric metric) {
  for (const MetricSpec& spec : kMetrics) {
    if (spec.metric == metric) return spec;
  }
  throw std::logic_error("measured metric without a spec");
}

const MetricSpec* find_metric(std::string_view name) {
  for (const MetricSpec& spec : kMetrics) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

double simulated_training_value(MeasuredMetric metric, const core::TrainingResult& result) {
  switch (metric) {
    case MeasuredMetric::iteration_time_s: return result.iteration_time_s;
    case MeasuredMetric::tokens_per_s: return result.tokens_per_s;
    case MeasuredMetric::tokens_per_s_per_gpu:
      return result.world_size > 0 ? result.tokens_per_s / result.world_size : 0.0;
    case MeasuredMetric::mfu: return result.mfu;
    case MeasuredMetric::peak_memory_bytes: return static_cast<double>(result.peak_memory_bytes);
    default: break;
  }
  throw std::logic_error("'" + std::string(metric_spec(metric).name) + "' is not a training metric");
}

}  // namespace lcperf::studies

namespace lcperf::studies {

double simulated_serving_value(MeasuredMetric metric, const runs::ServingFigures& result) {
  switch (metric) {
    case MeasuredMetric::ttft_p50_s: return result.ttft_p50_s;
    case MeasuredMetric::ttft_mean_s: return result.ttft_mean_s;
    case MeasuredMetric::tpot_p50_s: return result.tpot_p50_s;
    case MeasuredMetric::tpot_mean_s: return result.tpot_mean_s;
    case MeasuredMetric::e2e_p50_s: return result.e2e_p50_s;
    case MeasuredMetric::serving_throughput_tokens_per_s: return result.throughput_tokens_per_s;
    case MeasuredMetric::output_tokens_per_s: return result.output_tokens_per_s;
    case MeasuredMetric::output_tokens_per_s_per_gpu:
      return result.gpus > 0 ? result.output_tokens_per_s / result.gpus : 0.0;
    default: break;
  }
  throw std::logic_error("'" + std::string(metric_spec(metric).name) + "' is not a serving metric");
}

}  // namespace lcperf::studies
