#include "reports/result_json.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/memory_tag.hpp"

namespace lcperf::reports {

namespace {

// ordered_json keeps insertion order: the file reads in the order written here.
using Json = nlohmann::ordered_json;

Json oom_detail_json(const core::TrainingResult& result) {
  if (!result.oom) return nullptr;
  const auto& oom = result.oom_detail;
  Json detail;
  detail["rank"] = oom.rank;
  detail["tag"] = std::string(core::to_string(oom.tag));
  detail["time_s"] = oom.time_s;
  detail["requested_bytes"] = oom.requested_bytes;
  detail["in_use_bytes"] = oom.in_use_bytes;
  detail["capacity_bytes"] = oom.capacity_bytes;
  return detail;
}

Json model_json(const core::ModelSpec& model) {
  Json json;
  json["id"] = model.id;
  json["layers"] = model.layers;
  json["hidden"] = model.hidden;
  json["heads"] = model.heads;
  json["kv_heads"] = model.kv_heads;
  json["params"] = model.total_params();
  return json;
}

Json parallel_json(const core::ParallelConfig& parallel) {
  Json json;
  json["tp"] = parallel.tp;
  json["cp"] = parallel.cp;
  json["dp"] = parallel.dp;
  json["pp"] = parallel.pp;
  json["virtual_stages"] = parallel.virtual_stages;
  json["sequence_parallel"] = parallel.sequence_parallel;
  json["micro_batch_size"] = parallel.micro_batch_size;
  json["num_micro_batches"] = parallel.num_micro_batches;
  json["distributed_optimizer"] = parallel.distributed_optimizer;
  return json;
}

Json cluster_json(const core::ClusterSpec& cluster) {
  Json json;
  json["id"] = cluster.id;
  json["gpu"] = cluster.gpu.id;
  json["nodes"] = cluster.nodes;
  json["gpus_per_node"] = cluster.gpus_per_node;
  json["hbm_bytes"] = cluster.gpu.hbm_bytes;  // the report draws it as each memory plot's limit
  return json;
}

Json strategy_json(const core::Scenario& scenario) {
  Json json;
  json["name"] = to_string(scenario.strategy.name);
  json["schedule"] = to_string(scenario.strategy.schedule);
  json["recompute"] = to_string(scenario.strategy.recompute);
  json["seq_len"] = scenario.workload.seq_len;
  json["granularity"] = to_string(scenario.sim.granularity);
  json["communication"] = to_string(scenario.sim.communication);
  return json;
}

}  // namespace

std::string training_result_json(const core::TrainingResult& result, const core::Scenario& scenario,
                                 const std::string& lcperf_version) {
  Json json;
  // Contract keys (names fixed by docs/contract.md).
  json["kind"] = "training";
  json["scenario"] = result.scenario.empty() ? scenario.name : result.scenario;
  json["seed"] = result.seed;
  json["lcperf_version"] = lcperf_version;
  json["iteration_time_s"] = result.iteration_time_s;
  json["tokens_per_s"] = result.tokens_per_s;
  json["mfu"] = result.mfu;
  json["bubble_ratio"] = result.bubble_ratio;
  json["dp_imbalance"] = result.dp_imbalance;
  json["peak_memory_bytes"] = result.peak_memory_bytes;
  json["peak_memory_bytes_per_rank"] = result.peak_memory_bytes_per_rank;
  json["oom"] = result.oom;
  json["oom_detail"] = oom_detail_json(result);
  json["recompute_time_s"] = result.recompute_time_s;
  json["time_breakdown"] = {{"compute_s", result.time_breakdown.compute_s},
                            {"fixed_s", result.time_breakdown.fixed_s},
                            {"exposed_communication_s", result.time_breakdown.exposed_communication_s},
                            {"idle_s", result.time_breakdown.idle_s}};
  json["wall_time_s"] = result.wall_time_s;
  json["events_simulated"] = result.events_simulated;
  json["engine"] = to_string(scenario.sim.engine);
  json["partial"] = !result.partial_reason.empty();
  if (!result.partial_reason.empty()) json["partial_reason"] = result.partial_reason;
  // Extras: what was run, so a result file can be read without its scenario.
  json["simulated_time_s"] = result.simulated_time_s;
  json["tokens_per_iteration"] = result.tokens_per_iteration;
  json["model_flops_per_iteration"] = result.model_flops_per_iteration;
  json["world_size"] = result.world_size;
  json["folding"] = {{"tensor_parallel", result.folding.tensor_parallel},
                     {"data_parallel", result.folding.data_parallel},
                     {"simulated_ranks", result.world_size / std::max(1, result.folding.tensor_parallel *
                                                                             result.folding.data_parallel)}};
  json["model"] = model_json(scenario.model);
  json["cluster"] = cluster_json(scenario.cluster);
  json["parallel"] = parallel_json(scenario.parallel);
  json["strategy"] = strategy_json(scenario);
  // NaN/inf would print as null; that is JSON-valid and visibly wrong, which is right.
  return json.dump(2) + "\n";
}

void write_training_result_json(const std::string& path, const core::TrainingResult& result,
                                const core::Scenario& scenario, const std::string& lcperf_version) {
  core::write_file_atomically(path, training_result_json(result, scenario, lcperf_version));
}

}  // namespace lcperf::reports
