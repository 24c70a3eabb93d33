#include "runs/serving_run.hpp"
#include "runs/serving_distkv.hpp"
#include "runs/serving_disagg.hpp"
#include "runs/size_admission.hpp"
#include "schedulers/serving/distkv/workload.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/input_file.hpp"
#include "core/qwen1m_attention.hpp"
#include "core/serving_ops.hpp"
#include "cost_models/device_profile.hpp"
#include "cost_models/op_cost.hpp"
#include "cost_models/price_cache.hpp"
#include "cost_models/spmm_breakeven.hpp"
#include "cost_models/stack_profile.hpp"
#include "runs/serving_breakdown.hpp"
#include "runs/serving_latency_json.hpp"
#include "runs/serving_prefix.hpp"
#include "runs/serving_timeseries.hpp"
#include "core/sparse_weights.hpp"
#include "core/units.hpp"
#include "schedulers/serving/engine.hpp"
#include "schedulers/serving/metrics.hpp"
#include "schedulers/serving/router.hpp"
#include "schedulers/serving/slo.hpp"
#include "sim/simulator.hpp"
#include "traces/random_variates.hpp"
#include "traces/rng.hpp"
#include "traces/serving_readers.hpp"
#include "traces/serving_transform.hpp"

namespace lcperf::runs {

namespace {

namespace serving = schedulers::serving;

// The warm-up requests of a fixed workload (fixed_requests): its first `concurrency`
// when there are more requests than that, none for a static batch.
std::int64_t warmup_requests(const core::FixedServingLoad& f) {
  return f.requests > f.concurrency ? f.concurrency : 0;
}

// A fixed closed loop's throughput in its steady state: C users, each with one request
// in the system at every moment, complete C requests per mean end-to-end latency
// (Little's law), as a benchmark's measurement window sees them. Dividing the measured
// requests' tokens by their wall-clock span instead would count the loop's ramp-down
// (its last requests finish with fewer and fewer users). Only with a warm-up (N > C) and
// nothing rejected; a static batch keeps the span, which is exact for it.
// A request carries the mean lengths of the measured requests (the workload's own with no
// length spread).
void use_closed_loop_throughput(serving::ServingSummary& sum, const core::FixedServingLoad& f,
                                const std::vector<serving::RequestMetrics>& measured) {
  if (warmup_requests(f) == 0 || sum.rejected > 0 || sum.completed == 0 || !(sum.e2e_s.mean > 0)) return;
  std::int64_t prompt = 0, output = 0, n = 0;
  for (const serving::RequestMetrics& m : measured) {
    if (m.rejected) continue;
    prompt += m.prompt;
    output += m.output;
    ++n;
  }
  if (n == 0) return;
  const double requests_per_s = static_cast<double>(f.concurrency) / sum.e2e_s.mean;
  sum.throughput_tokens_per_s = requests_per_s * static_cast<double>(prompt + output) / static_cast<double>(n);
  sum.output_tokens_per_s = requests_per_s * static_cast<double>(output) / static_cast<double>(n);
}

// Step part shapes the price cache holds before it starts over: a replay of hours meets
// a new GEMM shape with every new token count.
constexpr std::size_t kStepShapesCached = 1 << 14;

// The scenario file for messages (or its name when it was built in memory).
std::string origin_of(const core::Scenario& s) { return s.source_path.empty() ? s.name : s.source_path; }

// workload.kind "fixed": identical requests, all arriving at t = 0; the engine's closed
// loop (EngineConfig::closed_loop) holds back all but `concurrency` of them. With more
// requests than users, the first `concurrency` are the warm-up, left out of the metrics
// (warmup_requests). Started `staggered`, their outputs are spread over 1..output_tokens
// (user k: ceil(output x (k+1) / concurrency)), so they end one after another and the
// requests after them arrive evenly spread (identical requests whose prompts share one
// step would otherwise decode and end in lockstep forever). Started `together`, they are
// full requests, as a benchmark client sends them: whatever order the engine's token
// budget imposes on that burst (one long prompt per step, say) is what the measured
// requests inherit, since each user's next request follows its previous one's end.
// With a length spread (prompt_tokens_stddev, output_tokens_stddev) request i's lengths
// are the means plus stddev x a standard normal from the scenario seed's stream
// kLengthSpreadStream, rounded and at least 1. A staggered warm-up keeps its staggered
// outputs; their draws are still taken, so the measured requests' lengths do not depend
// on how the clients start.
std::vector<serving::ServingRequest> fixed_requests(const core::FixedServingLoad& f, std::uint64_t seed) {
  constexpr std::uint64_t kLengthSpreadStream = 0x4c454e53;  // "LENS": apart from the trace streams
  traces::Rng rng(seed, kLengthSpreadStream);
  const auto draw = [&rng](std::int64_t mean, double stddev) -> std::int64_t {
    if (!(stddev > 0)) return mean;
    const double z = traces::standard_normal(rng);
    return std::max<std::int64_t>(1, std::llround(static_cast<double>(mean) + stddev * z));
  };
  std::vector<serving::ServingRequest> out;
  out.reserve(static_cast<std::size_t>(f.requests));
  const std::int64_t warmup = warmup_requests(f);
  const bool staggered = f.start == core::ClientStart::staggered;
  for (std::int64_t i = 0; i < f.requests; ++i) {
    const std::int64_t prompt = draw(f.prompt_tokens, f.prompt_tokens_stddev);
    const std::int64_t drawn_output = draw(f.output_tokens, f.output_tokens_stddev);
    const std::int64_t output =
        staggered && i < warmup ? (f.output_tokens * (i + 1) + warmup - 1) / warmup : drawn_output;
    out.push_back({i, 0.0, prompt, output});
  }
  return out;
}

// Arrivals past the horizon are refused: at 1e8 s a double still resolves 15 ns, so
// kernel times and protocol periods keep their meaning, while 1e12 s (a trace in the
// wrong unit) or 1e300 s would make `t + period == t` and a periodic loop endless.
std::vector<serving::ServingRequest> within_horizon(std::vector<serving::ServingRequest> requests,
                                                    const std::string& where) {
  for (const serving::ServingRequest& r : requests) {
    if (r.arrival_s <= kArrivalHorizonS) continue;
    throw core::InputError(where + ": request " + std::to_string(r.id) + " arrives at " + std::to_string(r.arrival_s) +
                           " s, beyond the simulation horizon of 1e8 s (about 3.2 years; docs/contract.md); check "
                           "the trace's time unit, workload.time_scale and workload.long_requests.arrival_window_s");
  }
  return requests;
}

std::vector<serving::ServingRequest> load_trace_requests(const core::Scenario& s, const std::string& trace,
                                                         const std::string& format) {
  if (s.requests.kind == core::ServingWorkloadKind::fixed && trace.empty()) {
    return fixed_requests(s.requests.fixed, s.seed);
  }
  traces::ServingTrace t = traces::load_serving_trace(trace, format, s.requests.skip_corrupt);
  if (s.requests.max_requests > 0) t = traces::truncate_to_count(t, s.requests.max_requests);
  if (s.requests.time_scale != 1.0) t = traces::scale_time(t, s.requests.time_scale);
  std::vector<serving::ServingRequest> out;
  out.reserve(t.requests.size());
  for (const traces::ServingRequest& r : t.requests) {
    // The readers check each row; a time scale can still push an arrival past a double.
    if (!std::isfinite(r.arrival_s)) {
      throw core::InputError(origin_of(s) + ": $.workload.time_scale: request " + std::to_string(r.id) + " of " +
                             core::shown_path(trace) + " arrives at a time beyond a double once scaled by " +
                             std::to_string(s.requests.time_scale));
    }
    out.push_back({r.id, r.arrival_s, r.prompt_tokens, r.output_tokens});
    if (serving_uses_prefixes(s)) {
      out.back().prefix_hashes = r.prefix_block_hashes;
      out.back().prefix_block_tokens = r.block_tokens;
    }
  }
  const std::string where = s.name + " (trace " + trace + ")";
  const auto& l = s.requests.long_requests;
  if (l.count > 0 && !out.empty()) {
    return within_horizon(
        serving::distkv::make_long_context_workload(out, l, origin_of(s) + ": $.workload.long_requests").requests, where);
  }
  return within_horizon(std::move(out), where);
}

// Requests with their prefix hashes (trace or synthetic) where prefix caching wants them.
std::vector<serving::ServingRequest> load_requests(const core::Scenario& s, const std::string& trace,
                                                   const std::string& format) {
  std::vector<serving::ServingRequest> out = load_trace_requests(s, trace, format);
  prepare_prefix_requests(s, out);
  return out;
}

// Weight bytes on the most loaded GPU of an instance. One stage (pp = 1) holds the
// whole model's TP shard; with pp stages each holds its layers, the first the embedding
// and the last the final norm and LM head (a copy of the embedding when they are tied).
// Weight bytes per GPU of each pipeline stage: the first holds the embedding, the last
// the LM head (compressed where the weights run sparse at the decode batch).
std::vector<double> stage_weight_bytes(const core::Scenario& s, const serving::EngineConfig& c) {
  const core::ModelSpec& m = s.model;
  const int pp = s.parallel.pp;
  if (c.sparse_weights.any()) {
    // Sparse storage is decided per weight class for the whole model; a stage holds
    // its share of the layers' part of it.
    const double all = core::weight_bytes_per_rank(m, s.parallel, c.sparse_weights, c.sparse_choice,
                                                   s.serving.max_num_seqs);
    if (pp == 1) return {all};
    const double edges = 2.0 * static_cast<double>(m.embedding_params() + m.lm_head_params()) / s.parallel.tp;
    return std::vector<double>(static_cast<std::size_t>(pp), (all - edges) / pp + edges);
  }
  // Dense weights are stored in the model's dtype (an FP8 engine holds one byte each);
  // serving.precision.weights sets the layers' (embedding and LM head keep the model's).
  const double elem = static_cast<double>(core::dtype_bytes(m.dtype));
  const double layer_elem = static_cast<double>(core::layer_weight_bytes(m, c.precision));
  if (pp == 1) {
    const double layer_params = static_cast<double>(m.params_per_layer()) * m.layers;
    return {(layer_elem * layer_params + elem * (static_cast<double>(m.total_params()) - layer_params)) / s.parallel.tp};
  }
  const double layers = static_cast<double>(m.params_per_layer()) * (m.layers / pp) * layer_elem / elem;
  const double head = static_cast<double>(m.lm_head_params() > 0 ? m.lm_head_params() : m.embedding_params()) +
                      static_cast<double>(m.hidden);
  std::vector<double> bytes(static_cast<std::size_t>(pp), elem * layers / s.parallel.tp);
  bytes.front() = elem * (layers + static_cast<double>(m.embedding_params())) / s.parallel.tp;
  bytes.back() = elem * (layers + head) / s.parallel.tp;
  return bytes;
}

serving::EngineConfig engine_config(const core::Scenario& s, const cost::CostModel& model) {
  const core::ServingSpec& spec = s.serving;
  serving::EngineConfig c;
  c.block_size_tokens = spec.block_size_tokens;
  c.max_num_batched_tokens = spec.max_num_batched_tokens;
  c.max_num_seqs = spec.max_num_seqs;
  c.chunked_prefill = spec.chunked_prefill;
  c.prefill_with_decodes = spec.prefill_with_decodes;
  c.prefill_chunk_tokens = spec.prefill_chunk_tokens;
  c.preemption = spec.preemption;
  c.watermark = spec.watermark;
  c.sparse_weights = core::SparseWeights{spec.sparsity_qkv, spec.sparsity_out, spec.sparsity_mlp_up,
                                         spec.sparsity_mlp_down};
  c.sparse_choice = cost::spmm_beats_dense(model);
  c.prefix_cache = spec.prefix_cache.enabled;
  c.precision = core::resolve_serving_precision(spec.precision, s.model, s.cluster.gpu, origin_of(s));
  // KV budget per GPU: a fraction of the HBM the weights leave (compressed where the
  // weights run sparse at the decode batch); with pipeline stages, the stage whose
  // weights leave the least room sets the budget (one block table serves all stages).
  const std::vector<double> per_stage = stage_weight_bytes(s, c);
  for (double bytes : per_stage) c.stage_weight_bytes.push_back(static_cast<std::int64_t>(std::ceil(bytes)));
  const double weights = *std::max_element(per_stage.begin(), per_stage.end());
  const double left = s.cluster.gpu.hbm_bytes - weights;
  if (left <= 0) {
    throw core::InputError(origin_of(s) + ": $.cluster.hardware.hbm_bytes: the weights of " + s.model.id + " (" + std::to_string(weights / 1e9) +
                           " GB per GPU at tp=" + std::to_string(s.parallel.tp) + ", pp=" +
                           std::to_string(s.parallel.pp) + ") do not fit the GPU's HBM");
  }
  c.kv_budget_bytes = static_cast<std::int64_t>(left * spec.kv_memory_fraction);
  c.host_kv_budget_bytes = static_cast<std::int64_t>(spec.host_kv_gib * kGiB);
  c.host_link_factor = s.cluster.gpu.hbm_bandwidth_bytes_per_s / s.cluster.gpu.pcie_bandwidth_bytes_per_s;
  // The engine checks these again (for configs built in code); from a scenario, name the field.
  if (c.kv_budget_bytes <= 0) {
    throw core::InputError(origin_of(s) + ": $.serving.kv_memory_fraction: " + std::to_string(spec.kv_memory_fraction) +
                           " of the " + std::to_string(left) + " bytes the weights leave is no KV cache at all");
  }
  if (!(c.host_link_factor > 0) || !std::isfinite(c.host_link_factor)) {
    throw core::InputError(origin_of(s) + ": $.cluster.hardware.pcie_bandwidth_bytes_per_s: the HBM to PCIe bandwidth "
                           "ratio is not a positive finite number");
  }
  c.record_token_times = false;
  c.record_steps = false;
  c.log_batches = spec.log_batches;
  c.long_context = core::long_context_options(spec);
  c.stack = cost::load_stack_profile(spec.stack);
  if (s.requests.kind == core::ServingWorkloadKind::fixed) {
    if (spec.instances != 1) {
      throw core::InputError(s.name + ": a fixed workload (a closed-loop client) runs on one instance (serving.instances " +
                             std::to_string(spec.instances) + ")");
    }
    c.closed_loop = s.requests.fixed.concurrency;
  }
  return c;
}

// result.json's "slo": the bounds (null where not set) and how the requests met them.
nlohmann::ordered_json slo_json(const core::ServingSlo& slo, const serving::SloOutcome& o) {
  const auto bound = [](const std::optional<double>& b) { return b ? nlohmann::ordered_json(*b) : nullptr; };
  return {{"ttft_s", bound(slo.ttft_s)},
          {"tpot_s", bound(slo.tpot_s)},
          {"e2e_s", bound(slo.e2e_s)},
          {"requests", o.requests},
          {"met", o.met},
          {"attainment", o.attainment},
          {"goodput_requests_per_s", o.goodput_requests_per_s},
          {"goodput_tokens_per_s", o.goodput_tokens_per_s}};
}

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

}  // namespace

std::string serving_trace_path(const core::Scenario& s, const std::string& trace_override) {
  if (s.requests.kind == core::ServingWorkloadKind::fixed && trace_override.empty()) return "";
  std::string trace = trace_override.empty() ? s.requests.trace : trace_override;
  // A relative trace path in a scenario file is relative to that file (as model and
  // cluster paths are); ids and paths given on the command line are left as they are.
  if (trace_override.empty() && !s.source_path.empty()) {
    const std::filesystem::path beside = std::filesystem::path(s.source_path).parent_path() / trace;
    std::error_code missing;  // a name too long for the file system is reported by the reader
    if (std::filesystem::path(trace).is_relative() && std::filesystem::exists(beside, missing)) trace = beside.string();
  }
  if (trace.empty()) throw core::InputError(origin_of(s) + ": $.workload.trace: no trace given (workload.trace or --trace)");
  return trace;
}

std::vector<serving::ServingRequest> load_serving_requests(const core::Scenario& s, const std::string& trace,
                                                           const std::string& format) {
  return load_requests(s, trace, format);
}

serving::EngineConfig serving_engine_config(const core::Scenario& s, const cost::CostModel& model) {
  return engine_config(s, model);
}

// Ranks of a TP group the simulator folds into one actor.
int serving_fold(const core::Scenario& s) {
  const int tp = s.parallel.tp;
  return (tp > 1 && s.cluster.gpus_per_node % tp == 0) ? tp : 1;
}

ServingPrograms build_serving_programs(const core::Scenario& s, const std::vector<serving::ServingRequest>& requests,
                                       const serving::EngineConfig& engine) {
  serving::RoutingOptions routing_options;
  routing_options.policy = s.serving.routing;
  routing_options.instances = s.serving.instances;
  routing_options.prefix_imbalance = s.serving.prefix_cache.route_imbalance;
  const serving::Routing routing = serving::route_requests(requests, routing_options);

  const int per_instance = s.parallel.tp * s.parallel.pp;
  const int ranks = per_instance * s.serving.instances;
  ServingPrograms out;
  serving::EngineConfig config = engine;
  if (s.serving.kv_policy == core::KvPolicy::distkv) out.distkv = make_distkv_parts(s, config, ranks, serving_fold(s));
  out.programs.resize(static_cast<std::size_t>(ranks));
  for (int i = 0; i < s.serving.instances; ++i) {
    serving::EnginePlan plan;
    plan.model = s.model;
    plan.parallel = s.parallel;
    plan.config = config;
    plan.requests = routing.requests[static_cast<std::size_t>(i)];
    plan.instance = i;
    plan.first_rank = i * per_instance;
    plan.routing_decision = routing.decisions[static_cast<std::size_t>(i)];
    if (out.distkv) link_engine(s, *out.distkv, plan);
    out.records.push_back(std::make_shared<serving::EngineRecords>());
    for (int r = 0; r < per_instance; ++r) {
      // Only an instance's first rank records results; the other TP ranks of the first
      // stage mirror its loop, and later stages follow its messages.
      out.programs[static_cast<std::size_t>(plan.first_rank + r)] =
          serving::make_engine_program(plan, r == 0 ? out.records.back() : nullptr);
    }
  }
  if (out.distkv) {
    finish_distkv_programs(s, *out.distkv, ranks, serving_fold(s));
    out.programs.insert(out.programs.end(), out.distkv->programs.begin(), out.distkv->programs.end());
    out.gpu_of_rank = out.distkv->gpu_of_rank;
  }
  return out;
}

core::RunRecords simulate_serving_programs(const core::Scenario& s, const cost::CostModel& model,
                                           const std::vector<core::RankProgram>& programs,
                                           const std::vector<int>& gpu_of_rank, int fold,
                                           const std::function<void(double simulated_s)>& on_progress) {
  sim::SimulationInput in;
  in.cluster = s.cluster;
  in.ranks = static_cast<int>(programs.size());
  // Every rank of a TP group runs the same loop: one actor per pipeline stage.
  in.fold = fold > 0 ? fold : serving_fold(s);
  in.free_communication = s.sim.communication == core::Communication::free;
  in.ring_step_limit = s.sim.ring_step_limit;
  in.engine = s.sim.engine;
  in.gpu_of_rank = gpu_of_rank;
  // Instances never interact and an engine waits on each step alone: run ahead. Not
  // with ranks sharing a GPU (DistKV's agents run attention on the engines' GPUs).
  in.run_ahead = gpu_of_rank.empty();
  in.timeline_limit = core::timeline_limit_of(s);
  in.max_events = static_cast<std::uint64_t>(s.sim.max_events);
  in.max_wall_s = s.sim.max_wall_s;
  in.on_progress = on_progress;
  in.program_for = [&programs](int r) { return programs[static_cast<std::size_t>(r)]; };
  // Engine steps are priced part by part (a step's op is new almost every time, its
  // parts are not), bounded since a long replay meets new shapes every step.
  const core::ServingStack stack = cost::load_stack_profile(s.serving.stack);
  auto cache = std::make_shared<cost::PriceCache>(
      [&model, stack](const core::OpPart& part) { return serving_part_time_s(model, part, stack); },
      kStepShapesCached);
  in.kernel_price = [cache](const core::KernelOp& op) { return cache->price(op); };
  return sim::simulate(in);
}

namespace {

// Every engine of a run that keeps records, with its instance number: the instances in
// order, or, disaggregated, the prefill pool's then the decode pool's.
struct RunEngines {
  std::vector<std::shared_ptr<serving::EngineRecords>> records;
  std::vector<int> instances;
};

RunEngines run_engines(const ServingPrograms& built) {
  RunEngines out;
  if (built.disagg) {
    out.records = built.disagg->prefill;
    out.records.insert(out.records.end(), built.disagg->decode.begin(), built.disagg->decode.end());
  } else {
    out.records = built.records;
  }
  for (std::size_t i = 0; i < out.records.size(); ++i) out.instances.push_back(static_cast<int>(i));
  return out;
}

// Where the run stands, from the engines' records (read between their steps).
ServingProgress progress_of(const RunEngines& engines, double clock_s, std::int64_t total) {
  ServingProgress p;
  p.simulated_s = clock_s;
  p.requests_total = total;
  for (const auto& e : engines.records) {
    p.requests_done += e->requests_ended;
    // An engine running ahead of the simulator's clock (SimulationInput::run_ahead).
    if (!e->samples.empty()) p.simulated_s = std::max(p.simulated_s, e->samples.back().time_s);
  }
  return p;
}

// The inter-token gaps of every engine, moved out of the records (millions in a long replay).
std::vector<double> take_itl(const RunEngines& engines) {
  std::vector<double> all;
  for (const auto& e : engines.records) {
    if (all.empty()) {
      all = std::move(e->itl_s);
    } else {
      all.insert(all.end(), e->itl_s.begin(), e->itl_s.end());
    }
    e->itl_s = {};
  }
  return all;
}

}  // namespace

ServingRun run_serving(const core::Scenario& scenario, const std::string& trace_override,
                       const std::string& format_override, const ServingProgressFn& progress) {
  const auto started = std::chrono::steady_clock::now();
  ServingRun run;
  run.scenario = scenario;
  const core::Scenario& s = scenario;
  const std::string trace = serving_trace_path(s, trace_override);
  const std::string format = format_override.empty() ? std::string(to_string(s.requests.format)) : format_override;
  const std::vector<serving::ServingRequest> requests = load_requests(s, trace, format);
  run.requests = static_cast<std::int64_t>(requests.size());
  admit_size(s, estimate_serving_size(s, requests));

  const std::string profile_id = s.sim.device_profile.empty() ? s.cluster.gpu.id : s.sim.device_profile;
  const cost::CostModel model(s.cluster.gpu, cost::load_device_profile(profile_id));
  const int tp = s.parallel.tp;
  const bool disagg = s.serving.disaggregation.enabled;
  const std::int64_t warmup = s.requests.kind == core::ServingWorkloadKind::fixed && trace_override.empty()
                                  ? warmup_requests(s.requests.fixed)
                                  : 0;
  serving::EngineConfig config = engine_config(disagg ? disagg_pool_scenario(s, true) : s, model);
  config.first_measured_id = warmup;
  const ServingPrograms built = disagg ? disagg_programs(s, model, requests) : build_serving_programs(s, requests, config);
  const std::vector<std::shared_ptr<serving::EngineRecords>>& records = built.records;
  const RunEngines engines = run_engines(built);
  const auto wall_since_start = [&started] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  std::function<void(double)> on_progress;
  if (progress) {
    on_progress = [&](double clock_s) {
      ServingProgress p = progress_of(engines, clock_s, run.requests);
      p.wall_s = wall_since_start();
      progress(p);
    };
  }
  run.records = simulate_serving_programs(s, model, built.programs, built.gpu_of_rank, disagg ? built.disagg->fold : 0,
                                          on_progress);
  run.simulated_s = run.records.end_time_s;
  if (progress) {
    ServingProgress p = progress_of(engines, run.simulated_s, run.requests);
    p.wall_s = wall_since_start();
    p.final = true;
    progress(p);
  }

  std::vector<serving::RequestMetrics> all;
  std::vector<serving::EngineCounters> counters;
  for (const auto& r : records) {
    for (const serving::RequestMetrics& m : r->requests) {
      if (m.id >= warmup) all.push_back(m);
    }
    counters.push_back(r->counters);
  }
  if (disagg) {
    all = disagg_request_metrics(*built.disagg);
    counters = disagg_counters(*built.disagg);
  }
  serving::ServingSummary sum = serving::summarize(all, counters);
  std::vector<double> itl = take_itl(engines);
  const serving::LatencyDistribution itl_distribution = serving::latency_distribution(itl);
  itl = {};
  run.timeseries_csv = timeseries_csv(instance_series(engines.records, engines.instances));
  run.request_metrics = all;
  if (s.requests.kind == core::ServingWorkloadKind::fixed && trace_override.empty()) {
    use_closed_loop_throughput(sum, s.requests.fixed, all);
  }
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
  j["itl_s"] = distribution_json(itl_distribution);
  j["preemptions"] = sum.preemptions;
  j["max_context_tokens"] = sum.max_context_tokens;
  j["peak_kv_bytes"] = sum.peak_kv_bytes;
  // What the memory tracker saw per GPU: the stage's weights tensor plus its KV blocks.
  std::int64_t peak_memory = 0;
  std::int64_t peak_weights = 0;
  for (std::size_t r = 0; r < run.records.peak_bytes_per_rank.size(); ++r) {
    peak_memory = std::max(peak_memory, run.records.peak_bytes_per_rank[r]);
    if (r < run.records.peak_bytes_per_rank_tag.size()) {
      peak_weights = std::max(peak_weights, run.records.peak_bytes_per_rank_tag[r][static_cast<int>(core::MemoryTag::weights)]);
    }
  }
  j["peak_memory_bytes"] = peak_memory;
  j["peak_weight_bytes"] = peak_weights;
  j["oom"] = run.records.oom.happened;
  j["trace"] = trace;
  j["instances"] = s.serving.instances;
  j["tp"] = tp;
  j["pp"] = s.parallel.pp;
  j["simulated_time_s"] = run.simulated_s;
  j["wall_time_s"] = run.wall_s;
  j["events_simulated"] = run.records.events_simulated;
  j["engine"] = std::string(core::to_string(s.sim.engine));
  // Stopped by the simulation budget: the metrics cover the requests finished so far.
  j["partial"] = !run.records.stopped_reason.empty();
  if (!run.records.stopped_reason.empty()) j["partial_reason"] = run.records.stopped_reason;
  j["timeline_records"] = run.records.timeline.size();
  j["timeline_records_dropped"] = run.records.timeline_dropped;
  j["memory_events_dropped"] = run.records.memory_dropped;
  j["kv_policy"] = to_string(s.serving.kv_policy);
  if (built.distkv) j["distkv"] = distkv_summary_json(*built.distkv);
  if (s.serving.prefix_cache.enabled) j["prefix_cache"] = prefix_cache_json(counters, all);
  if (config.precision.set) j["precision"] = precision_json(config.precision);
  if (disagg) j["disaggregation"] = disagg_summary_json(s, *built.disagg, run.records);
  j["stack"] = config.stack.id;
  serving::SloOutcome slo;
  if (s.serving.slo.any()) {
    slo = serving::evaluate_slo(all, s.serving.slo, sum.duration_s);
    j["slo"] = slo_json(s.serving.slo, slo);
  }
  if (s.requests.kind == core::ServingWorkloadKind::fixed) {
    j["warmup_requests"] = warmup;
    j["step_breakdown"] = step_breakdown_json(s, model, config);
  }
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
      << "peak KV per GPU     " << fmt("%.2f GiB", static_cast<double>(sum.peak_kv_bytes) / kGiB)
      << "\n"
      << "replay speed        " << fmt("%.0fx real time", run.simulated_s / std::max(1e-9, run.wall_s)) << " ("
      << fmt("%.2f s wall", run.wall_s) << ", " << run.records.events_simulated << " events)\n";
  if (run.records.timeline_dropped > 0) {
    out << "timeline            first " << run.records.timeline.size() << " of "
        << run.records.timeline.size() + run.records.timeline_dropped
        << " records kept, memory events up to then (raise sim.timeline_limit, 0 = all)\n";
  }
  if (s.serving.slo.any()) {
    out << "SLO attainment      " << slo.met << " of " << slo.requests << fmt(" (%.1f %%), goodput ", slo.attainment * 100)
        << fmt("%.3f requests/s", slo.goodput_requests_per_s) << fmt(", %.0f output tokens/s", slo.goodput_tokens_per_s)
        << "\n";
  }
  run.summary = out.str();
  return run;
}

}  // namespace lcperf::runs
