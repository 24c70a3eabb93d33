#pragma once
// One small serving scenario run twice with the same engine programs (serving_run.hpp's
// build_serving_programs): live on the CPU backend (backends/cpu/cpu_runtime.hpp, real
// fp32 kernels on threads) and in the simulator. The scheduler code is the same in both,
// so the decision logs must be equal; the end times differ (real kernels vs priced ones).
//
// Every request arrives at t = 0 in both runs. A live run's arrivals happen in real
// time (the engine sleeps until them and admits what has arrived by the steady clock),
// so with arrivals spread out a decision would depend on how fast the CPU kernels ran
// compared with the cost model's prices. With one burst at t = 0 the engine admits every
// request before its first step in both runtimes, and from then on its choices depend
// only on the order of events (step completions), which both runtimes share.
#include <cstdint>
#include <string>
#include <vector>

#include "core/records.hpp"
#include "core/scenario.hpp"
#include "schedulers/serving/metrics.hpp"

namespace lcperf::runs {

// What one runtime produced.
struct ServingRuntimeOutcome {
  std::vector<core::DecisionRecord> decisions;
  std::vector<std::int64_t> output_tokens_per_request;  // tokens sampled, in request order
  std::vector<std::int64_t> expected_output_tokens;     // what each request asked for
  schedulers::serving::EngineCounters counters;         // instance 0's (blocks allocated and freed)
  double end_time_s = 0;
};

struct ServingLiveComparison {
  ServingRuntimeOutcome live;
  ServingRuntimeOutcome simulated;
  core::RunRecords live_records;  // the live timeline (measured kernel times), memory, decisions
};

// Runs `scenario` (kind serving) simulated in a forked child (SimGrid allows one
// simulation per process), then live in this process, both with log_batches on
// and every arrival moved to t = 0. Throws core::InputError for a bad scenario and
// std::runtime_error when the simulated child fails.
ServingLiveComparison run_serving_live_and_simulated(const core::Scenario& scenario);

// The decision log as comparable lines ("rank kind detail"), times left out: the two
// runtimes decide the same things at different times.
std::vector<std::string> decision_lines(const std::vector<core::DecisionRecord>& decisions);

// The same, grouped by rank with each rank's lines in the order it logged them: ranks log
// concurrently, so only the per-rank order is what the two runtimes must share.
std::vector<std::string> per_rank_decision_lines(const std::vector<core::DecisionRecord>& decisions);

}  // namespace lcperf::runs
