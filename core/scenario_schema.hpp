#pragma once
// The published JSON Schema of scenario files (schema/scenario.schema.json), written by
// the loader itself: every shipped scenario is loaded under a SchemaRecorder
// (core/schema_recorder.hpp) and the union of what the loader read is the schema.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace lcperf::core {

// Scenario files under the data directory (not the model, hardware and cluster
// catalogues), sorted, as paths.
std::vector<std::string> shipped_scenario_files(const std::string& data_directory);

// The schema of the given scenario files' options (each must load).
nlohmann::json scenario_schema(const std::vector<std::string>& scenario_files);

}  // namespace lcperf::core
