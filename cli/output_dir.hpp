#pragma once
// Output folders of the commands that write results (simulate, replay).
#include <filesystem>
#include <string>

#include "runs/serving_run.hpp"
#include "core/scenario.hpp"

namespace lcperf::cli {

// out/<scenario name>, with the name flattened to a plain folder name.
std::string folder_name(const core::Scenario& scenario);
// Checked before simulating (core::check_output_folder: an existing file, a folder where
// a result file goes, an unwritable parent are input errors); the folder itself is
// written only after the run succeeded, as one set (core/output_set.hpp), so a failed or
// killed run leaves the previous outputs, or none.
void check_out_dir(const std::filesystem::path& dir);
// result.json, timeline.json, memory.csv, requests.csv and timeseries.csv of a serving
// replay; prints the summary
// unless quiet. Returns the exit code.
// After a run's outputs are written: a run the simulation budget stopped
// (stopped_reason non-empty) ends as core::RunStoppedError (exit 1).
void throw_if_partial(const std::string& stopped_reason, const std::filesystem::path& dir);
int write_serving_outputs(const runs::ServingRun& run, const std::filesystem::path& dir, bool quiet);

}  // namespace lcperf::cli
