#pragma once
// The files one serving run leaves (docs/contract.md): result.json, timeline.json,
// memory.csv and requests.csv. Written by simulate and replay into their output set,
// and by each forked child of load-curve into its run's folder.
#include <filesystem>
#include <string>
#include <vector>

#include "runs/serving_run.hpp"

namespace lcperf::runs {

// Writes the run's files into `folder` (created if missing; a staging folder, since the
// caller publishes them as one set) and returns their names.
std::vector<std::string> write_serving_files(const ServingRun& run, const std::filesystem::path& folder);

}  // namespace lcperf::runs
