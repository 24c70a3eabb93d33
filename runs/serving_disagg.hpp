#pragma once
// The serving replay with disaggregated prefill and decode ($.serving.disaggregation;
// schedulers/serving/disaggregation.hpp): the trace routed over the prefill pool, every
// decode instance ready for any request, one KV agent per prefill instance on its GPU.
//
// Ranks: prefill instance i's GPUs first (instance i from i x tp_prefill), then decode
// instance d's (from prefill GPUs + d x tp_decode), then one agent group per prefill
// instance on that instance's first GPU. The simulator folds groups of
// gcd(tp_prefill, tp_decode) ranks; only an instance's first rank runs its engine (the
// other TP ranks' work is in the step op).
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/records.hpp"
#include "core/runtime.hpp"
#include "core/scenario.hpp"
#include "schedulers/serving/disaggregation.hpp"
#include "schedulers/serving/engine.hpp"

namespace lcperf::cost {
class CostModel;
}

namespace lcperf::runs {

struct DisaggParts {
  std::shared_ptr<schedulers::serving::DisaggLayout> layout;
  int fold = 1;
  int engine_ranks = 0;  // GPUs of both pools
  std::vector<core::RankProgram> programs;  // every rank's, agents' last
  std::vector<int> gpu_of_rank;
  // Per prefill instance: its engine's records and the layout slot of each of its requests.
  std::vector<std::shared_ptr<schedulers::serving::EngineRecords>> prefill;
  std::vector<std::vector<std::size_t>> prefill_slots;
  // Per decode instance: its engine's records (slots = layout slots) and its transfers.
  std::vector<std::shared_ptr<schedulers::serving::EngineRecords>> decode;
  std::vector<std::shared_ptr<schedulers::serving::DisaggRecords>> transfers;
};

// The scenario as one pool's instances see it (their tp, pp 1, their instance count).
core::Scenario disagg_pool_scenario(const core::Scenario& scenario, bool prefill);

// The pools' engines and agents for `requests`. Throws core::InputError naming the
// scenario's field when a request's KV could never fit a decode instance.
std::shared_ptr<DisaggParts> make_disagg_parts(const core::Scenario& scenario, const cost::CostModel& model,
                                               const std::vector<schedulers::serving::ServingRequest>& requests);

struct ServingPrograms;
// make_disagg_parts as the replay's programs.
ServingPrograms disagg_programs(const core::Scenario& scenario, const cost::CostModel& model,
                                const std::vector<schedulers::serving::ServingRequest>& requests);

// One record per request, in layout order: a request that decoded is its decode
// instance's record (first token = its KV's arrival) with the prefill's first scheduling,
// preemptions and cached prompt tokens (`instance`: the decode instance,
// `prefill_instance`: the prefill's); one rejected or done at the prefill (one output
// token) is the prefill's.
std::vector<schedulers::serving::RequestMetrics> disagg_request_metrics(const DisaggParts& parts);
std::vector<schedulers::serving::EngineCounters> disagg_counters(const DisaggParts& parts);

// result.json's "disaggregation": the pools (GPUs, peak memory and KV, blocks allocated
// and freed, of which the prefix cache still held some at the end) and the KV transfers
// (count, bytes, times).
nlohmann::ordered_json disagg_summary_json(const core::Scenario& scenario, const DisaggParts& parts,
                                           const core::RunRecords& records);

}  // namespace lcperf::runs
