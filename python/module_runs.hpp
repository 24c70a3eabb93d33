#pragma once
// What the Python module does, on JSON text in and out, so the bindings
// (lcperf_module.cpp) only convert between Python objects and JSON. Each function
// returns the JSON the matching `lcperf` command writes, from the same library calls.
// Bad input throws core::InputError (Python: ValueError), anything else
// std::runtime_error (RuntimeError).
#include <string>
#include <vector>

namespace lcperf::python {

// A scenario given as JSON text (`origin` names it in messages; relative paths in it are
// taken from the current folder) or as a file.
struct ScenarioSource {
  std::string text;  // empty: read `path`
  std::string path;
};

// `lcperf simulate`: result.json of a training or serving scenario. SimGrid runs one
// simulation per process, so each call simulates in a forked child.
std::string simulate(const ScenarioSource& scenario, const std::vector<std::string>& overrides);

// `lcperf replay`: result.json of a serving scenario, optionally on another trace.
std::string replay(const ScenarioSource& scenario, const std::vector<std::string>& overrides,
                   const std::string& trace, const std::string& format);

// `lcperf cost`: {"op", "time_s", "flops", "bytes", "model", "device", "hardware"}.
std::string cost(const std::string& device, const std::string& op_json);

// `lcperf sweep SWEEP --out DIR --jobs N` (which forks its own children), then
// {"out": DIR, "results": [results.jsonl rows], "best": best.json, "pruned": pruned.json}.
// A sweep given as text has its relative "base" taken from the current folder.
std::string sweep(const ScenarioSource& sweep_file, const std::string& out_dir, int jobs);

}  // namespace lcperf::python
