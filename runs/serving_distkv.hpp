#pragma once
// The serving replay with DistKV-LLM (serving.kv_policy "distkv"): besides each
// instance's engine, an agent rank per instance (its rManager and the micro-attention
// service, on the instance's first GPU) and a gManager rank (on GPU 0), wired as
// schedulers/serving/distkv/controller.hpp and engine_link.hpp describe.
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/runtime.hpp"
#include "core/scenario.hpp"
#include "schedulers/serving/distkv/config.hpp"
#include "schedulers/serving/distkv/controller.hpp"
#include "schedulers/serving/distkv/engine_link.hpp"
#include "schedulers/serving/distkv/gmanager.hpp"
#include "schedulers/serving/distkv/rmanager.hpp"
#include "schedulers/serving/engine.hpp"

namespace lcperf::runs {

struct DistKvParts {
  schedulers::serving::distkv::DistKvConfig config;
  schedulers::serving::distkv::DistKvTopology topology;  // the agents' and gManager's ranks
  std::vector<std::shared_ptr<schedulers::serving::distkv::RManager>> rmanagers;
  std::shared_ptr<schedulers::serving::distkv::GManager> gmanager;
  std::vector<std::shared_ptr<schedulers::serving::distkv::AgentRecords>> agents;
  std::vector<std::shared_ptr<schedulers::serving::distkv::DistAttentionRecords>> attention;
  std::vector<core::RankProgram> programs;  // agents' and the gManager's, after the engines' ranks
  std::vector<int> gpu_of_rank;             // every rank's GPU, engines' included
};

// Checks the scenario can run DistKV (pp 1, recompute preemption, at least 2 instances)
// and sets up the protocol: rBlocks of serving.block_size_tokens tokens, GPU pools from
// the engine's KV budget, the lending cap from serving.distkv. `config` gains the blocks
// each engine may borrow. Throws core::InputError naming the field.
// Agents' ranks follow the `engine_ranks` engines' ranks, a group of `fold` each.
std::shared_ptr<DistKvParts> make_distkv_parts(const core::Scenario& scenario,
                                               schedulers::serving::EngineConfig& config, int engine_ranks, int fold);

// Wires instance `plan.instance`'s engine to its agent.
void link_engine(const core::Scenario& scenario, DistKvParts& parts, schedulers::serving::EnginePlan& plan);

// The agents' and gManager's programs and the placement of every rank (call after the
// engines were linked).
void finish_distkv_programs(const core::Scenario& scenario, DistKvParts& parts, int engine_ranks, int fold);

// result.json's "distkv" object: protocol counters summed over the agents, DistAttention
// traffic summed over the engines, and per instance what it borrowed and lent.
nlohmann::ordered_json distkv_summary_json(const DistKvParts& parts);

}  // namespace lcperf::runs
