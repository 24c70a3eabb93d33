#pragma once
// Size admission: a simple analytic estimate of a simulation's events and memory,
// made before anything runs, so a scenario far beyond what one process can simulate
// (100k GPUs, 65,537 micro-batches, a 1,200-instance DistKV cluster) is refused at once
// with exit 2 and the estimate, instead of running for hours or dying of bad_alloc.
// The budget is sim.max_events and sim.max_memory_gib (--max-memory); 0 lifts it.
#include <cstdint>
#include <string>
#include <vector>

#include "core/scenario.hpp"
#include "schedulers/serving/request_state.hpp"

namespace lcperf::runs {

struct SizeEstimate {
  double events = 0;        // activities, messages and wake-ups (what sim.max_events counts)
  double memory_bytes = 0;  // actors' stacks and state, kept timeline and memory records
  double actors = 0;        // simulated actors (rank programs and their streams)
};

// One training iteration: actors x micro-batches (or chunks) x layers per stage.
SizeEstimate estimate_training_size(const core::Scenario& scenario);
// A replay: engine steps bounded by the requests' tokens, plus DistKV's controllers.
SizeEstimate estimate_serving_size(const core::Scenario& scenario,
                                   const std::vector<schedulers::serving::ServingRequest>& requests);

// Throws core::InputError naming the scenario, the estimate and the budget (and how to
// raise it) when the estimate exceeds sim.max_events or sim.max_memory_gib.
void admit_size(const core::Scenario& scenario, const SizeEstimate& estimate);

}  // namespace lcperf::runs
