#include "runs/serving_outputs.hpp"

#include "core/atomic_file.hpp"
#include "runs/serving_requests_csv.hpp"
#include "traces/chrome_trace.hpp"
#include "traces/memory_csv.hpp"

namespace lcperf::runs {

std::vector<std::string> write_serving_files(const ServingRun& run, const std::filesystem::path& folder) {
  std::filesystem::create_directories(folder);
  core::write_file_atomically((folder / "result.json").string(), run.result_json);
  traces::write_chrome_trace((folder / "timeline.json").string(), run.records, run.scenario.name);
  traces::write_memory_csv((folder / "memory.csv").string(), run.records);
  core::write_file_atomically((folder / "requests.csv").string(), requests_csv(run.request_metrics));
  core::write_file_atomically((folder / "timeseries.csv").string(), run.timeseries_csv);
  return {"result.json", "timeline.json", "memory.csv", "requests.csv", "timeseries.csv"};
}

}  // namespace lcperf::runs
