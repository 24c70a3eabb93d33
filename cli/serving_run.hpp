#pragma once
// One simulated serving replay: the scenario's trace, routed over its instances, each
// instance running the serving engine (schedulers/serving/) on its GPUs through the
// simulator, priced by the cost model.
#include <string>

#include "core/records.hpp"
#include "core/scenario.hpp"

namespace lcperf::cli {

struct ServingRun {
  core::Scenario scenario;
  core::RunRecords records;
  std::string result_json;  // the serving result.json (contract keys first)
  std::string summary;      // terminal table
  double simulated_s = 0;
  double wall_s = 0;
  std::int64_t requests = 0;
};

// `trace_override`/`format_override` replace the scenario's workload trace when set
// (lcperf replay --trace/--format). Throws core::InputError for bad scenarios or traces.
ServingRun run_serving(const core::Scenario& scenario, const std::string& trace_override = "",
                       const std::string& format_override = "");

}  // namespace lcperf::cli
