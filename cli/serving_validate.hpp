#pragma once
// `lcperf validate` for a serving scenario: the engine run live on the CPU backend and
// in the simulator (serving_live.hpp), summarised as validation.json.
#include <filesystem>
#include <string>

#include "runs/serving_live.hpp"
#include "core/scenario.hpp"

namespace lcperf::cli {

// validation.json's text for one comparison (decisions, steps, end time error, tokens
// and KV balance of each runtime).
std::string serving_validation_json(const core::Scenario& scenario, const runs::ServingLiveComparison& c);

// Runs the comparison, writes DIR/validation.json, prints a summary unless quiet.
// Returns the exit code: 0, or 1 when the decision logs differ.
int validate_serving(const core::Scenario& scenario, const std::filesystem::path& dir, bool quiet);

}  // namespace lcperf::cli
