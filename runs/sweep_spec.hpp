#pragma once
// A sweep file (sweeps/README.md): a base scenario, axes of dotted override paths with
// the values to try, constraints that prune configurations before simulation, and the
// objective that ranks the results. Parsed strictly: unknown keys and malformed values
// are core::InputError naming the file and the JSON path.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/scenario.hpp"

namespace lcperf::runs {

// One axis: a dotted path (the syntax of `--set`) and the values tried along it, each
// kept as JSON text so it becomes a core::Override value unchanged.
struct SweepAxis {
  std::string path;
  std::vector<std::string> values;  // JSON texts; empty when derived
  bool derived_dp = false;          // "parallel.dp": "auto" -> gpus / (tp * pp * cp)
};

enum class GpuRule { none, exact, at_most };

struct SweepObjective {
  std::string metric = "tokens_per_s";  // a metric of a results.jsonl line
  bool maximize = true;
};

// How many surviving configurations go to the simulator (sweeps/README.md, "Two
// tiers"): the `top` best by the analytic estimate and `sample` more spread evenly over
// the rest of the estimate's ranking; `all` simulates every survivor.
struct SimulateSelection {
  bool all = false;
  int top = 16;
  int sample = 16;
};

struct SweepSpec {
  std::string name;
  std::string source_path;  // the sweep file
  std::string base_path;    // the base scenario, resolved against the sweep file's folder
  std::vector<core::Override> fixed;  // "set": applied to every configuration before the axes
  std::vector<SweepAxis> axes;        // in file order; the last axis varies fastest
  GpuRule gpu_rule = GpuRule::none;
  int gpus = 0;
  bool memory_fit = false;  // "memory": "fit": prune when the analytical lower bound exceeds HBM
  SweepObjective objective;
  int top = 10;
  SimulateSelection simulate;
};

// Metrics an objective may name (the numeric metrics written to results.jsonl).
const std::vector<std::string>& sweep_metrics();

SweepSpec load_sweep_spec(const std::string& path);
SweepSpec parse_sweep_spec(const std::string& json_text, const std::string& origin);

}  // namespace lcperf::runs
