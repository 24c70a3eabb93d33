#include "runs/serving_distkv.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/distattention_ops.hpp"
#include "core/errors.hpp"

namespace lcperf::runs {

namespace serving = schedulers::serving;
namespace distkv = schedulers::serving::distkv;

namespace {

// Agent i's ranks come after the engines', a fold group each; then the gManager's group.
int agent_rank(int engine_ranks, int fold, int instance) { return engine_ranks + instance * fold; }

}  // namespace

std::shared_ptr<DistKvParts> make_distkv_parts(const core::Scenario& s, serving::EngineConfig& config, int engine_ranks,
                                               int fold) {
  const std::string where = s.name + ": serving.kv_policy \"distkv\"";
  if (s.parallel.pp != 1) throw core::InputError(where + " runs with parallel.pp = 1 (got " + std::to_string(s.parallel.pp) + ")");
  if (s.serving.preemption != core::PreemptionMode::recompute) {
    throw core::InputError(where + " preempts by recompute (serving.preemption is \"" +
                           std::string(to_string(s.serving.preemption)) + "\")");
  }
  if (s.serving.instances < 2) throw core::InputError(where + " needs serving.instances >= 2 to borrow from");
  auto parts = std::make_shared<DistKvParts>();
  distkv::DistKvConfig& c = parts->config;
  const std::int64_t rank_block_bytes = serving::kv_block_bytes(s.model, s.parallel, config);
  c.instances = s.serving.instances;
  c.device_blocks = config.kv_budget_bytes / rank_block_bytes;
  c.host_blocks = 0;
  c.lend_cap_blocks = static_cast<std::int64_t>(std::floor(s.serving.distkv.lend_cap_fraction * static_cast<double>(c.device_blocks)));
  // One rBlock spans the instance's TP ranks; a folded rank moves `fold` ranks' bytes.
  c.block_bytes = rank_block_bytes * (s.parallel.tp / fold);
  c.heartbeat_period_s = s.serving.distkv.heartbeat_period_s;
  c.reply_timeout_s = s.serving.distkv.reply_timeout_s;
  c.exchange_timeout_s = s.serving.distkv.exchange_timeout_s;
  c.dead_after_s = s.serving.distkv.dead_after_s;
  c.reclaim_period_s = s.serving.distkv.reclaim_period_s;
  c.max_blocks_per_exchange = s.serving.distkv.max_blocks_per_exchange;
  c.max_candidates = s.serving.distkv.max_candidates;
  distkv::validate(c, where);
  // One allocation asks at most max_candidates creditors (one candidate round).
  config.borrowable_blocks = static_cast<std::int64_t>(std::min(c.instances - 1, c.max_candidates)) * c.lend_cap_blocks;
  for (int i = 0; i < c.instances; ++i) parts->topology.instance_ranks.push_back(agent_rank(engine_ranks, fold, i));
  parts->topology.gmanager_rank = agent_rank(engine_ranks, fold, c.instances);
  parts->gmanager = std::make_shared<distkv::GManager>(c);
  for (int i = 0; i < c.instances; ++i) {
    parts->rmanagers.push_back(std::make_shared<distkv::RManager>(i, c));
    parts->agents.push_back(std::make_shared<distkv::AgentRecords>());
    parts->attention.push_back(std::make_shared<distkv::DistAttentionRecords>());
  }
  return parts;
}

void link_engine(const core::Scenario& s, DistKvParts& parts, serving::EnginePlan& plan) {
  distkv::EngineLinkConfig c;
  c.instance = plan.instance;
  c.own_agent_rank = parts.topology.instance_ranks.at(static_cast<std::size_t>(plan.instance));
  c.agent_ranks = parts.topology.instance_ranks;
  c.block_tokens = s.serving.block_size_tokens;
  c.model = s.model;
  c.parallel = s.parallel;
  plan.remote_kv = distkv::make_engine_link(c, parts.rmanagers.at(static_cast<std::size_t>(plan.instance)),
                                            parts.attention.at(static_cast<std::size_t>(plan.instance)));
}

void finish_distkv_programs(const core::Scenario& s, DistKvParts& parts, int engine_ranks, int fold) {
  const int n = s.serving.instances;
  const int tp = s.parallel.tp;
  const distkv::DistKvTopology& topology = parts.topology;
  const int total = engine_ranks + (n + 1) * fold;
  parts.gpu_of_rank.assign(static_cast<std::size_t>(total), 0);
  for (int r = 0; r < engine_ranks; ++r) parts.gpu_of_rank[static_cast<std::size_t>(r)] = r;
  parts.programs.assign(static_cast<std::size_t>(total - engine_ranks), [](core::Runtime&) {});
  const core::DistAttentionDims dims = core::dist_attention_dims(s.model, s.parallel);
  for (int i = 0; i < n; ++i) {
    const int first = agent_rank(engine_ranks, fold, i);
    for (int k = 0; k < fold; ++k) parts.gpu_of_rank[static_cast<std::size_t>(first + k)] = i * tp;
    distkv::AgentSetup setup;
    setup.core = parts.rmanagers[static_cast<std::size_t>(i)];
    setup.topology = topology;
    setup.engine_rank = i * tp;
    setup.dims = dims;
    setup.records = parts.agents[static_cast<std::size_t>(i)];
    parts.programs[static_cast<std::size_t>(first - engine_ranks)] = distkv::make_agent_program(std::move(setup));
  }
  parts.programs[static_cast<std::size_t>(topology.gmanager_rank - engine_ranks)] =
      distkv::make_gmanager_service_program(parts.gmanager, topology);
}

nlohmann::ordered_json distkv_summary_json(const DistKvParts& parts) {
  nlohmann::ordered_json j;
  const distkv::DistKvConfig& c = parts.config;
  j["device_rblocks_per_instance"] = c.device_blocks;
  j["lend_cap_rblocks"] = c.lend_cap_blocks;
  j["rblock_bytes"] = c.block_bytes;
  distkv::RManagerCounters sum;
  std::int64_t served = 0, messages = 0, message_bytes = 0, moved = 0;
  nlohmann::ordered_json per = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < parts.agents.size(); ++i) {
    const distkv::AgentRecords& a = *parts.agents[i];
    const distkv::RManagerCounters& k = a.final_counters;
    sum.allocations_ok += k.allocations_ok;
    sum.allocations_preempted += k.allocations_preempted;
    sum.blocks_borrowed += k.blocks_borrowed;
    sum.blocks_lent += k.blocks_lent;
    sum.refusals_given += k.refusals_given;
    sum.borrow_timeouts += k.borrow_timeouts;
    sum.exchanges_committed += k.exchanges_committed;
    sum.swaps_committed += k.swaps_committed;
    sum.blocks_pulled_home += k.blocks_pulled_home;
    sum.anomalies += k.anomalies;
    served += a.attention_requests_served;
    messages += a.controller.messages_sent;
    message_bytes += a.controller.message_bytes_sent;
    moved += a.controller.transfer_bytes_sent;
    per.push_back({{"instance", i}, {"blocks_borrowed", k.blocks_borrowed}, {"blocks_lent", k.blocks_lent},
                   {"attention_requests_served", a.attention_requests_served}});
  }
  j["allocations_ok"] = sum.allocations_ok;
  j["allocations_without_room"] = sum.allocations_preempted;
  j["blocks_borrowed"] = sum.blocks_borrowed;
  j["blocks_lent"] = sum.blocks_lent;
  j["refusals"] = sum.refusals_given;
  j["borrow_timeouts"] = sum.borrow_timeouts;
  j["exchanges_committed"] = sum.exchanges_committed;
  j["swaps_committed"] = sum.swaps_committed;
  j["blocks_pulled_home"] = sum.blocks_pulled_home;
  j["protocol_anomalies"] = sum.anomalies;
  j["protocol_messages"] = messages;
  j["protocol_message_bytes"] = message_bytes;
  j["block_move_bytes"] = moved;
  std::int64_t steps = 0, attn = 0, qbytes = 0, pbytes = 0, avoided = 0, failures = 0;
  for (const auto& r : parts.attention) {
    steps += r->steps_with_remote;
    attn += r->attention_messages;
    qbytes += r->query_bytes;
    pbytes += r->partial_bytes;
    avoided += r->kv_pull_bytes_avoided;
    failures += r->placement_failures;
  }
  j["placement_failures"] = failures;
  j["steps_with_remote_attention"] = steps;
  j["attention_messages"] = attn;
  j["attention_requests_served"] = served;
  j["query_bytes"] = qbytes;
  j["partial_bytes"] = pbytes;
  j["kv_pull_bytes_avoided"] = avoided;
  // Decode-only steps with remote attention, over all engines.
  distkv::DistAttentionRecords::DecodeTraffic d;
  for (const auto& r : parts.attention) d.merge(r->decode);
  j["decode_steps"] = {{"count", d.steps},           {"min_bytes", d.min_bytes},
                       {"max_bytes", d.max_bytes},   {"min_context_tokens", d.min_context},
                       {"max_context_tokens", d.max_context}};
  j["per_instance"] = per;
  return j;
}

}  // namespace lcperf::runs
