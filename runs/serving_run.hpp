#pragma once
// One simulated serving replay: the scenario's trace, routed over its instances, each
// instance running the serving engine (schedulers/serving/) on its GPUs through the
// simulator, priced by the cost model.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/records.hpp"
#include "core/runtime.hpp"
#include "core/scenario.hpp"
#include "schedulers/serving/engine.hpp"

namespace lcperf::cost {
class CostModel;
}

namespace lcperf::runs {

// The pieces run_serving is made of, shared with the live CPU comparison
// (serving_live.hpp) so both runtimes run exactly the same engine programs.

// The scenario's trace path (relative paths resolved beside the scenario file) or the
// override; throws core::InputError when there is none.
std::string serving_trace_path(const core::Scenario& scenario, const std::string& trace_override = "");

// The trace's requests, trimmed to workload.max_requests and scaled by time_scale.
std::vector<schedulers::serving::ServingRequest> load_serving_requests(const core::Scenario& scenario,
                                                                       const std::string& trace,
                                                                       const std::string& format);

// The engine configuration the scenario asks for (KV budget from the HBM the weights leave).
schedulers::serving::EngineConfig serving_engine_config(const core::Scenario& scenario, const cost::CostModel& model);

// One program per rank: the requests routed over the instances, each instance's ranks
// running the engine; records[i] is filled by instance i's first rank as it runs.
struct DistKvParts;
struct DisaggParts;
struct ServingPrograms {
  std::vector<core::RankProgram> programs;
  std::vector<std::shared_ptr<schedulers::serving::EngineRecords>> records;
  // serving.kv_policy "distkv": the agents and gManager (their programs are in
  // `programs` after the engines'), and every rank's GPU. Null / empty otherwise.
  std::shared_ptr<DistKvParts> distkv;
  std::vector<int> gpu_of_rank;
  // serving.disaggregation: the pools' engines and KV agents (serving_disagg.hpp); their
  // programs are `programs`. Null otherwise.
  std::shared_ptr<DisaggParts> disagg;
};
ServingPrograms build_serving_programs(const core::Scenario& scenario,
                                       const std::vector<schedulers::serving::ServingRequest>& requests,
                                       const schedulers::serving::EngineConfig& config);

// Runs the programs in the simulator, steps priced by `model` (one simulation per process).
// `gpu_of_rank` places ranks that share a GPU (DistKV's agents); empty = rank r on GPU r.
// `fold`: ranks per simulated actor; 0 = the scenario's TP group when it fits a node.
// `on_progress` hears the simulated clock about twice per wall second (read-only).
core::RunRecords simulate_serving_programs(const core::Scenario& scenario, const cost::CostModel& model,
                                           const std::vector<core::RankProgram>& programs,
                                           const std::vector<int>& gpu_of_rank = {}, int fold = 0,
                                           const std::function<void(double simulated_s)>& on_progress = {});

// Latest arrival a replay accepts, in seconds (docs/contract.md, "Simulation budget").
inline constexpr double kArrivalHorizonS = 1e8;

struct ServingRun {
  core::Scenario scenario;
  core::RunRecords records;
  std::string result_json;  // the serving result.json (contract keys first)
  std::string summary;      // terminal table
  double simulated_s = 0;
  double wall_s = 0;
  std::int64_t requests = 0;
  // Every measured request's life (warm-up requests of a fixed workload left out), as
  // the summary in result_json was computed from; written as requests.csv.
  std::vector<schedulers::serving::RequestMetrics> request_metrics;
  std::string timeseries_csv;  // every instance's state over time (serving_timeseries.hpp)
};

// Where a replay stands, for a progress line: simulated time so far, requests ended
// (finished or rejected) of all, wall time since the run started. `final` on the last
// call, once the simulation is over.
struct ServingProgress {
  double simulated_s = 0;
  double wall_s = 0;
  std::int64_t requests_done = 0;
  std::int64_t requests_total = 0;
  bool final = false;
};
using ServingProgressFn = std::function<void(const ServingProgress&)>;

// `trace_override`/`format_override` replace the scenario's workload trace when set
// (lcperf replay --trace/--format). `progress`, when set, is called about twice per wall
// second while the simulation runs and once at its end; it changes nothing in the
// results. Throws core::InputError for bad scenarios or traces.
ServingRun run_serving(const core::Scenario& scenario, const std::string& trace_override = "",
                       const std::string& format_override = "", const ServingProgressFn& progress = {});

}  // namespace lcperf::runs
