#pragma once
// The published JSON Schema of sweep files (schema/sweep.schema.json): what the sweep
// reader asks for on the shipped sweeps (core/schema_recorder.hpp), with the two maps
// whose keys are the user's (axes: scenario paths to values; set: paths to values)
// stated here, since a recorder only sees the keys a file happens to use.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace lcperf::runs {

// Sweep files in `folder` (*.json), sorted.
std::vector<std::string> shipped_sweep_files(const std::string& folder);

nlohmann::json sweep_schema(const std::vector<std::string>& sweep_files);

}  // namespace lcperf::runs
