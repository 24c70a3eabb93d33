#include "runs/serving_disagg.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <string>
#include <utility>

#include "core/errors.hpp"
#include "core/serving_ops.hpp"
#include "runs/serving_latency_json.hpp"
#include "runs/serving_run.hpp"
#include "schedulers/serving/block_manager.hpp"
#include "schedulers/serving/metrics.hpp"
#include "schedulers/serving/router.hpp"

namespace lcperf::runs {

namespace {

namespace serving = schedulers::serving;

std::string origin_of(const core::Scenario& s) { return s.source_path.empty() ? s.name : s.source_path; }

// Prefix caching runs on the prefill pool only: a decode instance receives every
// prompt's whole KV from the prefill instance and keeps no cache of its own.
serving::EngineConfig pool_config(const core::Scenario& s, bool prefill, const cost::CostModel& model) {
  serving::EngineConfig c = serving_engine_config(disagg_pool_scenario(s, prefill), model);
  if (!prefill) c.prefix_cache = false;
  return c;
}

// A request whose KV (prompt + output - 1 tokens) no decode instance could ever hold is
// a configuration error: the decode pool is too small for the workload.
void check_decode_fits(const core::Scenario& s, const serving::EngineConfig& config, const core::ParallelConfig& parallel,
                       const std::vector<serving::ServingRequest>& requests) {
  const std::int64_t block_bytes = serving::kv_block_bytes(s.model, parallel, config);
  const serving::BlockManager blocks(config.kv_budget_bytes / block_bytes, config.block_size_tokens, config.watermark);
  for (const serving::ServingRequest& r : requests) {
    const std::int64_t tokens = r.prompt_tokens + r.output_tokens - 1;
    if (blocks.ever_fits(tokens)) continue;
    throw core::InputError(origin_of(s) + ": $.serving.disaggregation.decode: request " + std::to_string(r.id) +
                           " needs the KV of " + std::to_string(tokens) +
                           " tokens (prompt + output - 1); a decode instance of tp " + std::to_string(parallel.tp) +
                           " holds " + std::to_string((blocks.total_blocks() - blocks.watermark_blocks()) * config.block_size_tokens) +
                           " above its watermark (more decode GPUs per instance, or a shorter trace)");
  }
}

serving::EnginePlan pool_plan(const core::Scenario& s, const serving::EngineConfig& config, int tp, int instance,
                              int first_rank) {
  serving::EnginePlan plan;
  plan.model = s.model;
  plan.parallel = s.parallel;
  plan.parallel.tp = tp;
  plan.parallel.pp = 1;
  plan.config = config;
  plan.instance = instance;
  plan.first_rank = first_rank;
  return plan;
}

// A pool's memory as the tracker saw it on its ranks [first, end), and its blocks.
nlohmann::ordered_json pool_json(const core::DisaggPoolSpec& pool, const core::RunRecords& records, int first, int end,
                                 const std::vector<std::shared_ptr<serving::EngineRecords>>& engines) {
  std::int64_t peak = 0;
  std::int64_t peak_kv = 0;
  for (int r = first; r < end && r < static_cast<int>(records.peak_bytes_per_rank.size()); ++r) {
    const auto at = static_cast<std::size_t>(r);
    peak = std::max(peak, records.peak_bytes_per_rank[at]);
    if (at < records.peak_bytes_per_rank_tag.size()) {
      peak_kv = std::max(peak_kv, records.peak_bytes_per_rank_tag[at][static_cast<int>(core::MemoryTag::kv_cache)]);
    }
  }
  std::int64_t allocated = 0;
  std::int64_t freed = 0;
  std::int64_t cached = 0;
  for (const auto& e : engines) {
    allocated += e->counters.blocks_allocated;
    freed += e->counters.blocks_freed;
    cached += e->counters.prefix.flushed_blocks;
  }
  return {{"instances", pool.instances},
          {"tp", pool.tp},
          {"gpus", pool.gpus()},
          {"peak_memory_bytes", peak},
          {"peak_kv_bytes", peak_kv},
          {"kv_blocks_allocated", allocated},
          {"kv_blocks_freed", freed},
          {"kv_blocks_cached_at_end", cached}};
}

}  // namespace

core::Scenario disagg_pool_scenario(const core::Scenario& s, bool prefill) {
  const core::DisaggPoolSpec& pool = prefill ? s.serving.disaggregation.prefill : s.serving.disaggregation.decode;
  core::Scenario p = s;
  p.parallel.tp = pool.tp;
  p.parallel.pp = 1;
  p.serving.instances = pool.instances;
  return p;
}

ServingPrograms disagg_programs(const core::Scenario& s, const cost::CostModel& model,
                                const std::vector<serving::ServingRequest>& requests) {
  ServingPrograms out;
  out.disagg = make_disagg_parts(s, model, requests);
  out.programs = out.disagg->programs;
  out.gpu_of_rank = out.disagg->gpu_of_rank;
  return out;
}

std::shared_ptr<DisaggParts> make_disagg_parts(const core::Scenario& s, const cost::CostModel& model,
                                               const std::vector<serving::ServingRequest>& requests) {
  const core::DisaggregationSpec& d = s.serving.disaggregation;
  auto parts = std::make_shared<DisaggParts>();
  const serving::EngineConfig prefill_config = pool_config(s, true, model);
  const serving::EngineConfig decode_config = pool_config(s, false, model);
  const serving::EnginePlan decode_template = pool_plan(s, decode_config, d.decode.tp, 0, 0);
  check_decode_fits(s, decode_config, decode_template.parallel, requests);

  parts->fold = std::gcd(d.prefill.tp, d.decode.tp);
  parts->engine_ranks = d.prefill.gpus() + d.decode.gpus();
  auto layout = std::make_shared<serving::DisaggLayout>();
  layout->requests = requests;
  layout->transfer = d.transfer;
  layout->layers = s.model.layers;
  core::ParallelConfig whole;  // every KV head of every layer
  layout->kv_bytes_per_token = core::kv_bytes_per_token_per_layer(s.model, whole) * s.model.layers;
  layout->flow_bytes_per_token = layout->kv_bytes_per_token / std::min(d.prefill.tp, d.decode.tp);
  layout->block_size_tokens = s.serving.block_size_tokens;
  const std::int64_t decode_blocks =
      decode_config.kv_budget_bytes / serving::kv_block_bytes(s.model, decode_template.parallel, decode_config);
  layout->board = std::make_shared<serving::DecodeBoard>(
      std::vector<std::int64_t>(static_cast<std::size_t>(d.decode.instances), decode_blocks), d.decode_policy);
  for (int i = 0; i < d.prefill.instances; ++i) {
    layout->prefill_rank.push_back(i * d.prefill.tp);
    layout->agent_rank.push_back(parts->engine_ranks + i * parts->fold);
  }
  for (int i = 0; i < d.decode.instances; ++i) layout->decode_rank.push_back(d.prefill.gpus() + i * d.decode.tp);
  parts->layout = layout;

  // Programs: every rank idle unless it is an instance's first (or an agent's).
  const int total = parts->engine_ranks + d.prefill.instances * parts->fold;
  parts->programs.assign(static_cast<std::size_t>(total), [](core::Runtime&) {});
  parts->gpu_of_rank.resize(static_cast<std::size_t>(total));
  std::iota(parts->gpu_of_rank.begin(), parts->gpu_of_rank.begin() + parts->engine_ranks, 0);

  std::map<std::int64_t, std::size_t> slot_of_id;
  for (std::size_t i = 0; i < requests.size(); ++i) slot_of_id[requests[i].id] = i;
  serving::RoutingOptions routing_options;
  routing_options.policy = s.serving.routing;
  routing_options.instances = d.prefill.instances;
  routing_options.prefix_imbalance = s.serving.prefix_cache.route_imbalance;
  const serving::Routing routing = serving::route_requests(requests, routing_options);
  for (int i = 0; i < d.prefill.instances; ++i) {
    serving::EnginePlan plan = pool_plan(s, prefill_config, d.prefill.tp, i, layout->prefill_rank[static_cast<std::size_t>(i)]);
    plan.requests = routing.requests[static_cast<std::size_t>(i)];
    plan.routing_decision = "prefill " + routing.decisions[static_cast<std::size_t>(i)];
    std::vector<std::size_t> slots;
    for (const serving::ServingRequest& r : plan.requests) slots.push_back(slot_of_id.at(r.id));
    plan.pool_link = std::make_shared<serving::PoolLink>(layout, serving::PoolLink::Role::prefill, i, slots, nullptr);
    parts->prefill_slots.push_back(std::move(slots));
    parts->prefill.push_back(std::make_shared<serving::EngineRecords>());
    parts->programs[static_cast<std::size_t>(plan.first_rank)] = serving::make_engine_program(plan, parts->prefill.back());
    const int agent = layout->agent_rank[static_cast<std::size_t>(i)];
    parts->programs[static_cast<std::size_t>(agent)] = serving::make_kv_agent_program(layout, i);
    for (int k = 0; k < parts->fold; ++k) parts->gpu_of_rank[static_cast<std::size_t>(agent + k)] = plan.first_rank + k;
  }
  for (int i = 0; i < d.decode.instances; ++i) {
    serving::EnginePlan plan = pool_plan(s, decode_config, d.decode.tp, i, layout->decode_rank[static_cast<std::size_t>(i)]);
    plan.instance = d.prefill.instances + i;
    plan.requests = requests;
    parts->transfers.push_back(std::make_shared<serving::DisaggRecords>());
    plan.pool_link = std::make_shared<serving::PoolLink>(layout, serving::PoolLink::Role::decode, i,
                                                         std::vector<std::size_t>{}, parts->transfers.back());
    parts->decode.push_back(std::make_shared<serving::EngineRecords>());
    parts->programs[static_cast<std::size_t>(plan.first_rank)] = serving::make_engine_program(plan, parts->decode.back());
  }
  return parts;
}

std::vector<serving::RequestMetrics> disagg_request_metrics(const DisaggParts& parts) {
  const std::size_t n = parts.layout->requests.size();
  std::vector<serving::RequestMetrics> out(n);
  for (std::size_t i = 0; i < parts.prefill.size(); ++i) {
    const std::vector<serving::RequestMetrics>& recs = parts.prefill[i]->requests;
    for (std::size_t local = 0; local < recs.size(); ++local) out[parts.prefill_slots[i][local]] = recs[local];
  }
  std::map<std::int64_t, std::size_t> decoded_at;  // request id -> decode instance
  for (std::size_t d = 0; d < parts.transfers.size(); ++d) {
    for (const serving::KvTransferRecord& t : parts.transfers[d]->transfers) decoded_at[t.id] = d;
  }
  for (std::size_t g = 0; g < n; ++g) {
    serving::RequestMetrics& m = out[g];
    if (m.rejected || m.output <= 1) continue;
    const auto at = decoded_at.find(m.id);
    if (at == decoded_at.end()) {  // a partial run: the KV never arrived
      m.first_token_s = -1;
      m.finish_s = -1;
      m.instance = -1;
      continue;
    }
    const serving::RequestMetrics& decoded = parts.decode[at->second]->requests[g];
    const double scheduled = m.first_scheduled_s;
    const int preemptions = m.preemptions;
    const std::int64_t cached = m.cached_tokens;  // the prefill instance's prefix cache
    const int prefill_instance = m.prefill_instance;
    m = decoded;
    m.first_scheduled_s = scheduled;
    m.preemptions += preemptions;
    m.cached_tokens = cached;
    m.prefill_instance = prefill_instance;
  }
  return out;
}

std::vector<serving::EngineCounters> disagg_counters(const DisaggParts& parts) {
  std::vector<serving::EngineCounters> out;
  for (const auto& e : parts.prefill) out.push_back(e->counters);
  for (const auto& e : parts.decode) out.push_back(e->counters);
  return out;
}

nlohmann::ordered_json disagg_summary_json(const core::Scenario& s, const DisaggParts& parts,
                                           const core::RunRecords& records) {
  const core::DisaggregationSpec& d = s.serving.disaggregation;
  std::int64_t count = 0;
  std::int64_t bytes = 0;
  std::vector<double> wait;
  std::vector<double> transfer;
  std::vector<double> total;
  for (const auto& recs : parts.transfers) {
    for (const serving::KvTransferRecord& t : recs->transfers) {
      count += 1;
      bytes += t.bytes;
      wait.push_back(t.reserved_s - t.offered_s);
      transfer.push_back(t.arrived_s - t.reserved_s);
      total.push_back(t.arrived_s - t.offered_s);
    }
  }
  nlohmann::ordered_json j;
  j["transfer"] = to_string(d.transfer);
  j["decode_policy"] = to_string(d.decode_policy);
  j["prefill"] = pool_json(d.prefill, records, 0, d.prefill.gpus(), parts.prefill);
  j["decode"] = pool_json(d.decode, records, d.prefill.gpus(), parts.engine_ranks, parts.decode);
  j["kv_transfer"] = {{"requests", count},
                      {"bytes", bytes},
                      {"kv_bytes_per_token", parts.layout->kv_bytes_per_token},
                      {"wait_for_blocks_s", percentiles_json(wait)},
                      {"transfer_s", percentiles_json(transfer)},
                      {"offer_to_arrival_s", percentiles_json(total)}};
  return j;
}

}  // namespace lcperf::runs
