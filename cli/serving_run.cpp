#include "cli/serving_run.hpp"

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/qwen1m_attention.hpp"
#include "core/serving_ops.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/part_pricing_cache.hpp"
#include "cost_models/spmm_breakeven.hpp"
#include "core/sparse_weights.hpp"
#include "schedulers/serving/engine.hpp"
#include "schedulers/serving/metrics.hpp"
#include "schedulers/serving/router.hpp"
#include "sim/simulator.hpp"
#include "traces/serving_readers.hpp"
#include "traces/serving_transform.hpp"

namespace lcperf::cli {

namespace {

namespace serving = schedulers::serving;

std::vector<serving::ServingRequest> load_requests(const core::Scenario& s, const std::string& trace,
                                                   const std::string& format) {
  traces::ServingTrace t = traces::load_serving_trace(trace, format, s.requests.skip_corrupt);
  if (s.requests.max_requests > 0) t = traces::truncate_to_count(t, s.requests.max_requests);
  if (s.requests.time_scale != 1.0) t = traces::scale_time(t, s.requests.time_scale);
  std::vector<serving::ServingRequest> out;
  out.reserve(t.requests.size());
  for (const traces::ServingRequest& r : t.requests) {
    out.push_back({r.id, r.arrival_s, r.prompt_tokens, r.output_tokens});
  }
  return out;
}

serving::EngineConfig engine_config(const core::Scenario& s, const cost::CostModel& model) {
  const core::ServingSpec& spec = s.serving;
  serving::EngineConfig c;
  c.block_size_tokens = spec.block_size_tokens;
  c.max_num_batched_tokens = spec.max_num_batched_tokens;
  c.max_num_seqs = spec.max_num_seqs;
  c.chunked_prefill = spec.chunked_prefill;
  c.prefill_chunk_tokens = spec.prefill_chunk_tokens;
  c.preemption = serving::parse_preemption_mode(spec.preemption);
  c.watermark = spec.watermark;
  c.sparse_weights = core::SparseWeights{spec.sparsity_qkv, spec.sparsity_out, spec.sparsity_mlp_up,
                                         spec.sparsity_mlp_down};
  c.sparse_choice = cost::spmm_beats_dense(model);
  // KV budget per GPU: a fraction of the HBM the weights leave (compressed where the
  // weights run sparse at the decode batch).
  const double weights = c.sparse_weights.any()
                             ? core::weight_bytes_per_rank(s.model, s.parallel, c.sparse_weights, c.sparse_choice,
                                                           spec.max_num_seqs)
                             : 2.0 * static_cast<double>(s.model.total_params()) / s.parallel.tp;
  const double left = s.cluster.gpu.hbm_bytes - weights;
  if (left <= 0) {
    throw core::InputError(s.name + ": the weights of " + s.model.id + " (" + std::to_string(weights / 1e9) +
                           " GB per GPU at tp=" + std::to_string(s.parallel.tp) + ") do not fit the GPU's HBM");
  }
  c.kv_budget_bytes = static_cast<std::int64_t>(left * spec.kv_memory_fraction);
  c.host_kv_budget_bytes = static_cast<std::int64_t>(spec.host_kv_gib * 1024.0 * 1024 * 1024);
  c.host_link_factor = s.cluster.gpu.hbm_bandwidth_bytes_per_s / s.cluster.gpu.pcie_bandwidth_bytes_per_s;
  c.record_token_times = false;
  c.long_context = core::long_context_options(spec);
  return c;
}

nlohmann::ordered_json percentiles_json(const serving::Percentiles& p) {
  return {{"p50", p.p50}, {"p90", p.p90}, {"p99", p.p99}, {"mean", p.mean}};
}

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

}  // namespace

ServingRun run_serving(const core::Scenario& scenario, const std::string& trace_override,
                       const std::string& format_override) {
  const auto started = std::chrono::steady_clock::now();
  ServingRun run;
  run.scenario = scenario;
  const core::Scenario& s = scenario;
  std::string trace = trace_override.empty() ? s.requests.trace : trace_override;
  // A relative trace path in a scenario file is relative to that file (as model and
  // cluster paths are); ids and paths given on the command line are left as they are.
  if (trace_override.empty() && !s.source_path.empty()) {
    const std::filesystem::path beside = std::filesystem::path(s.source_path).parent_path() / trace;
    if (std::filesystem::path(trace).is_relative() && std::filesystem::exists(beside)) trace = beside.string();
  }
  const std::string format = format_override.empty() ? s.requests.format : format_override;
  if (trace.empty()) throw core::InputError(s.name + ": no trace given (workload.trace or --trace)");
  const std::vector<serving::ServingRequest> requests = load_requests(s, trace, format);
  run.requests = static_cast<std::int64_t>(requests.size());

  serving::RoutingOptions routing_options;
  routing_options.policy = serving::parse_routing_policy(s.serving.routing);
  routing_options.instances = s.serving.instances;
  const serving::Routing routing = serving::route_requests(requests, routing_options);

  const std::string profile_id = s.sim.device_profile.empty() ? s.cluster.gpu.id : s.sim.device_profile;
  const cost::CostModel model(s.cluster.gpu, cost::load_device_profile(profile_id));
  const int tp = s.parallel.tp;
  const int ranks = tp * s.serving.instances;
  std::vector<std::shared_ptr<serving::EngineRecords>> records;
  std::vector<core::RankProgram> programs(static_cast<std::size_t>(ranks));
  for (int i = 0; i < s.serving.instances; ++i) {
    serving::EnginePlan plan;
    plan.model = s.model;
    plan.parallel = s.parallel;
    plan.config = engine_config(s, model);
    plan.requests = routing.requests[static_cast<std::size_t>(i)];
    plan.instance = i;
    plan.routing_decision = routing.decisions[static_cast<std::size_t>(i)];
    records.push_back(std::make_shared<serving::EngineRecords>());
    for (int t = 0; t < tp; ++t) {
      // Only an instance's first rank records results; the others mirror its loop.
      programs[static_cast<std::size_t>(i * tp + t)] = serving::make_engine_program(plan, t == 0 ? records.back() : nullptr);
    }
  }

  sim::SimulationInput in;
  in.cluster = s.cluster;
  in.ranks = ranks;
  // Every rank of an instance runs the same loop: one actor per instance.
  in.fold = (tp > 1 && s.cluster.gpus_per_node % tp == 0) ? tp : 1;
  in.program_for = [&programs](int r) { return programs[static_cast<std::size_t>(r)]; };
  // Engine steps rarely repeat as a whole (contexts grow every step), but their parts do
  // (every layer, and every step with the same token count): price part by part.
  auto parts = std::make_shared<cost::PartPricingCache>([&model](const core::OpPart& p) { return model.time_s(p); });
  in.kernel_price = sim::priced_by([parts](const core::KernelOp& op) { return parts->time_s(op); });
  run.records = sim::simulate(in);
  run.simulated_s = run.records.end_time_s;

  std::vector<serving::RequestMetrics> all;
  std::vector<serving::EngineCounters> counters;
  for (const auto& r : records) {
    all.insert(all.end(), r->requests.begin(), r->requests.end());
    counters.push_back(r->counters);
  }
  const serving::ServingSummary sum = serving::summarize(all, counters);
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  nlohmann::ordered_json j;
  j["kind"] = "serving";
  j["scenario"] = s.name;
  j["seed"] = s.seed;
  j["lcperf_version"] = core::lcperf_version();
  j["requests"] = sum.requests;
  j["completed"] = sum.completed;
  j["rejected"] = sum.rejected;
  j["duration_s"] = sum.duration_s;
  j["throughput_tokens_per_s"] = sum.throughput_tokens_per_s;
  j["output_tokens_per_s"] = sum.output_tokens_per_s;
  j["ttft_s"] = percentiles_json(sum.ttft_s);
  j["tpot_s"] = percentiles_json(sum.tpot_s);
  j["e2e_s"] = percentiles_json(sum.e2e_s);
  j["queueing_s"] = percentiles_json(sum.queueing_s);
  j["preemptions"] = sum.preemptions;
  j["max_context_tokens"] = sum.max_context_tokens;
  j["peak_kv_bytes"] = sum.peak_kv_bytes;
  j["trace"] = trace;
  j["instances"] = s.serving.instances;
  j["tp"] = tp;
  j["simulated_time_s"] = run.simulated_s;
  j["wall_time_s"] = run.wall_s;
  j["events_simulated"] = run.records.events_simulated;
  run.result_json = j.dump(2) + "\n";

  std::ostringstream out;
  out << "requests            " << sum.completed << " completed, " << sum.rejected << " rejected of " << sum.requests
      << "\n"
      << "duration            " << fmt("%.1f s", sum.duration_s) << "\n"
      << "throughput          " << fmt("%.0f tokens/s", sum.throughput_tokens_per_s) << " ("
      << fmt("%.0f output tokens/s", sum.output_tokens_per_s) << ")\n"
      << "TTFT p50/p90/p99    " << fmt("%.3f", sum.ttft_s.p50) << " / " << fmt("%.3f", sum.ttft_s.p90) << " / "
      << fmt("%.3f s", sum.ttft_s.p99) << "\n"
      << "TPOT p50/p90/p99    " << fmt("%.1f", sum.tpot_s.p50 * 1e3) << " / " << fmt("%.1f", sum.tpot_s.p90 * 1e3)
      << " / " << fmt("%.1f ms", sum.tpot_s.p99 * 1e3) << "\n"
      << "preemptions         " << sum.preemptions << "\n"
      << "peak KV per GPU     " << fmt("%.2f GiB", static_cast<double>(sum.peak_kv_bytes) / (1024.0 * 1024 * 1024))
      << "\n"
      << "replay speed        " << fmt("%.0fx real time", run.simulated_s / std::max(1e-9, run.wall_s)) << " ("
      << fmt("%.2f s wall", run.wall_s) << ", " << run.records.events_simulated << " events)\n";
  run.summary = out.str();
  return run;
}

}  // namespace lcperf::cli
