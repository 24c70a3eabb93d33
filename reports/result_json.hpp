#pragma once
// result.json of a training run: the contract keys of docs/contract.md ("Contracts the outside
// world relies on") in a fixed order, then extras that make a result self-describing.
#include <string>

#include "core/result.hpp"
#include "core/scenario.hpp"

namespace lcperf::reports {

// Pretty-printed JSON (2-space indent, trailing newline). Keys always appear in the
// same order and numbers print as the shortest text that reads back exactly, so equal
// inputs give equal bytes. `oom_detail` is an object when `oom` is true and null
// otherwise, so the set of keys never changes. The version is a parameter (the CLI
// passes core::lcperf_version()) to keep this library free of build-time data.
std::string training_result_json(const core::TrainingResult& result, const core::Scenario& scenario,
                                 const std::string& lcperf_version);

// Writes training_result_json() to `path` atomically.
void write_training_result_json(const std::string& path, const core::TrainingResult& result,
                                const core::Scenario& scenario, const std::string& lcperf_version);

}  // namespace lcperf::reports
