#pragma once
// The metrics a measured run may bring to `lcperf compare`: a small closed set, each
// one quantity that published measurements report, named with its canonical unit
// (`iteration_time_s`), the other spellings of that unit a row may use instead, and
// the simulated value it is compared with (a result.json field or a derivation of one).
// validation/measured/README.md documents the same table for users.
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "runs/forked_runs.hpp"

namespace lcperf::studies {

// Which simulation a row needs; inferred from its scenario's kind.
enum class RunKind { training, serving };

std::string_view run_kind_name(RunKind kind);  // "training", "serving"

enum class MeasuredMetric {
  iteration_time_s,
  tokens_per_s,
  tokens_per_s_per_gpu,
  mfu,
  peak_memory_bytes,
  ttft_p50_s,
  ttft_mean_s,
  tpot_p50_s,
  tpot_mean_s,
  e2e_p50_s,
  serving_throughput_tokens_per_s,
  output_tokens_per_s,
  output_tokens_per_s_per_gpu,
};

// One accepted spelling of a unit and the factor that turns a value written in it into
// the canonical unit ("ms" -> 1e-3 for a time in seconds).
struct UnitSpelling {
  std::string_view unit;
  double to_canonical = 1;
};

struct MetricSpec {
  MeasuredMetric metric;
  std::string_view name;  // the key in a row's "measured" object
  RunKind kind;
  std::span<const UnitSpelling> units;  // the first is the canonical unit
  std::string_view simulated_as;        // how the simulated value is obtained, for docs and reports

  std::string_view canonical_unit() const { return units.front().unit; }
};

// Every metric, in a fixed order (the order of reports and summaries).
std::span<const MetricSpec> measured_metrics();
const MetricSpec& metric_spec(MeasuredMetric metric);
// nullptr when `name` is not a metric.
const MetricSpec* find_metric(std::string_view name);

// The simulated value of a training metric; throws std::logic_error for a serving one.
double simulated_training_value(MeasuredMetric metric, const core::TrainingResult& result);
// The simulated value of a serving metric; throws std::logic_error for a training one.
double simulated_serving_value(MeasuredMetric metric, const runs::ServingFigures& result);

}  // namespace lcperf::studies
