#pragma once
// A scenario: model, cluster, parallel config, workload and strategy, plus simulator
// options. Loaded from JSON with strict validation (unknown keys are errors).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/cluster_spec.hpp"
#include "core/long_request_mix.hpp"
#include "core/model_spec.hpp"
#include "core/parallel_config.hpp"
#include "core/prefix_cache_spec.hpp"
#include "core/serving_slo.hpp"
#include "core/scenario_options.hpp"
#include "core/serving_precision.hpp"
#include "core/training_step.hpp"

namespace lcperf::core {

// Training workload: what one iteration's sequences are.
struct WorkloadSpec {
  // fixed_length: every micro-batch holds micro_batch_size sequences of seq_len.
  // dataset: a global batch of global_batch sequences sampled (seed, iteration) from a
  // length distribution (traces/data/<dataset>), capped at context_length.
  WorkloadKind kind = WorkloadKind::fixed_length;
  std::int64_t seq_len = 4096;
  std::string dataset;
  int global_batch = 0;
  std::int64_t context_length = 0;
  std::int64_t iteration = 0;
};

// A fixed-shape serving load (workload.kind "fixed"), as serving benchmarks run one.
struct FixedServingLoad {
  std::int64_t requests = 0;
  int concurrency = 1;
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;
  ClientStart start = ClientStart::staggered;
  // Per-request length spread, as a benchmark client's synthetic lengths have it
  // (AIPerf/GenAI-Perf --synthetic-input-tokens-stddev, --output-tokens-stddev): each
  // request's lengths are drawn from a normal distribution around the means above,
  // rounded, at least 1. 0 (the default) keeps every request identical.
  double prompt_tokens_stddev = 0;
  double output_tokens_stddev = 0;
};

// Serving workload (kind "serving"): requests replayed from a trace file or id
// (traces/data/serving/), optionally cut and rescaled; or a fixed-shape benchmark load.
struct ServingWorkloadSpec {
  ServingWorkloadKind kind = ServingWorkloadKind::trace;
  // fixed: `requests` requests of prompt_tokens in and output_tokens out, kept
  // `concurrency` at a time by a closed-loop client (a new one arrives as one ends; all of
  // the first `concurrency` at t = 0). concurrency = requests is a static batch.
  FixedServingLoad fixed;
  std::string trace;          // id in traces/data/serving/ or a path
  TraceFormat format = TraceFormat::detect;
  std::int64_t max_requests = 0;  // 0 = all
  double time_scale = 1.0;    // arrival times multiplied by this (0.5 = twice the rate)
  bool skip_corrupt = false;  // count and skip corrupt rows instead of failing
  // DistKV-LLM's workload: a few long requests added to the trace's (schedulers/serving/
  // distkv/workload.hpp); count 0 = none. Context is prompt + output, log-uniform.
  LongRequestMix long_requests;
};

// Floor of DistKV's periods and timeouts, in seconds: periodic work runs once per period
// while an instance is busy, so a period far below the protocol's message latencies
// only multiplies the simulated events (1e-9 s made a smoke scenario run for hours).
// One value for the loader's range rule and for DistKvConfig's own check.
inline constexpr double kMinDistKvPeriodS = 1e-4;

// DistKV-LLM's protocol knobs (schedulers/serving/distkv/config.hpp); block counts are
// derived from the engine's KV budget, tokens per rBlock is serving.block_size_tokens.
struct DistKvSpec {
  double lend_cap_fraction = 0.5;  // of an instance's GPU rBlocks it may lend out
  double heartbeat_period_s = 0.01;
  double reply_timeout_s = 0.005;
  double exchange_timeout_s = 0.02;
  double dead_after_s = 0.05;
  double reclaim_period_s = 0.01;
  std::int64_t max_blocks_per_exchange = 64;
  int max_candidates = 8;
};

// The serving engine of each instance (schedulers/serving/engine_config.hpp).
// Disaggregated prefill and decode (schedulers/serving/disaggregation.hpp): a prefill
// pool and a decode pool of instances, the prompt's KV moved from one to the other over
// the simulated network. Off unless $.serving.disaggregation is given; the pools then
// replace serving.instances and the scenario's parallel section.
struct DisaggPoolSpec {
  int instances = 1;
  int tp = 1;
  int pp = 1;
  int gpus() const { return instances * tp * pp; }
};

struct DisaggregationSpec {
  bool enabled = false;
  DisaggPoolSpec prefill;
  DisaggPoolSpec decode;
  KvTransferMode transfer = KvTransferMode::whole;
  DecodePolicy decode_policy = DecodePolicy::least_kv;
};

struct ServingSpec {
  int instances = 1;  // each of parallel.tp x parallel.pp GPUs
  RoutingPolicy routing = RoutingPolicy::round_robin;
  std::int64_t block_size_tokens = 16;
  std::int64_t max_num_batched_tokens = 8192;
  int max_num_seqs = 256;
  bool chunked_prefill = true;
  std::int64_t prefill_chunk_tokens = 2048;
  bool prefill_with_decodes = false;  // without chunking: whole prompts batched with decodes
  PreemptionMode preemption = PreemptionMode::recompute;
  double watermark = 0.01;
  double kv_memory_fraction = 0.9;  // of HBM left after the weights, per GPU
  double host_kv_gib = 0;           // swap space per GPU
  // Flash-LLM: unstructured weight sparsity per matrix class (0 = dense).
  double sparsity_qkv = 0;
  double sparsity_out = 0;
  double sparsity_mlp_up = 0;
  double sparsity_mlp_down = 0;
  // Long-context prefill (core/qwen1m_attention.hpp), all off by default: vertical-slash
  // sparse attention for prompts of at least sparse_min_context tokens, with per-head
  // vertical/slash budgets; dual chunk attention with chunks of dca_chunk_tokens.
  bool sparse_attention = false;
  std::int64_t sparse_min_context = 32768;
  std::int64_t sparse_vertical_budget = 3920;
  std::int64_t sparse_slash_budget = 7650;
  double sparse_slash_spread = 0.1;  // share of the non-forced slashes spread over the history
  bool dca = false;
  std::int64_t dca_chunk_tokens = 253952;
  bool log_batches = false;  // a "batch" decision per engine step (costly on long traces)
  // The serving stack's host side: "ideal" (no host time), an id in cost_models/stacks/
  // or a path (core/serving_stack.hpp, cost_models/stack_profile.hpp).
  std::string stack = "ideal";
  // local: each instance holds its requests' KV itself; distkv: DistKV-LLM, rBlocks
  // borrowed from other instances and attention run where they live.
  KvPolicy kv_policy = KvPolicy::local;
  DistKvSpec distkv;  // read only with kv_policy "distkv" (kept under "local" so --set can switch)
  PrefixCacheSpec prefix_cache;      // off by default (core/prefix_cache_spec.hpp)
  ServingPrecisionSpec precision;    // every class in the model's dtype by default
  DisaggregationSpec disaggregation;
  ServingSlo slo;  // none by default: result.json gets "slo" only when a bound is set
};

struct StrategySpec {
  Strategy name = Strategy::megatron;  // the baseline, or chunkflow
  std::int64_t chunk_size = 8192;  // chunkflow: ChunkSize
  int k = 1;                       // chunkflow: dependent chunks whose activations are kept
  PipelineSchedule schedule = PipelineSchedule::one_f_one_b;
  RecomputePolicy recompute = RecomputePolicy::none;
  double activation_budget_gib = 0;  // planner: bytes one micro-batch may hold; 0 = derived from HBM
};

// Defaults of the simulation budget: 1e7 events are 25 s to 4 min of simulation on one
// core (40k-400k events per second measured), 400 times the largest shipped scenario's
// estimate; half an hour of wall time; 8 GiB of memory.
inline constexpr std::int64_t kDefaultMaxEvents = 10'000'000;
inline constexpr double kDefaultMaxWallS = 1800;
inline constexpr double kDefaultMaxMemoryGiB = 8;

struct SimOptions {
  // stage: one activity per micro-batch per pipeline stage (fast, for sweeps);
  // layer: one activity per layer (finer timeline).
  Granularity granularity = Granularity::layer;
  // network: transfers are SimGrid flows on the platform's links;
  // free: communication takes no time (for closed-form checks).
  Communication communication = Communication::network;
  // simgrid: SimGrid's engine (the reference); native: lcperf's own engine with the
  // same flow model (sim/README.md, "Engines"), for runs where SimGrid's cost per
  // activity dominates.
  SimEngine engine = SimEngine::simgrid;
  std::string device_profile;  // id in cost_models/devices/ or a path; empty = the hardware's id
  // Simulate each tensor-parallel group with one actor (sim/README.md, "folding"):
  // auto folds above 64 GPUs, where it is needed for speed; on/off force it.
  TensorParallelFolding fold_tensor_parallel = TensorParallelFolding::automatic;
  // Simulate one data-parallel replica and mirror the others where they meet (the
  // gradient collectives), when the replicas run identical work on symmetric places
  // (runs/data_parallel_fold.hpp): auto above 64 GPUs, on whenever exact, off never.
  DataParallelFolding fold_data_parallel = DataParallelFolding::automatic;
  // Most timeline records kept (0 = all); later ones are counted, not kept. Absent: all
  // for training (its metrics are read off the timeline), kServingTimelineLimit for
  // serving (metrics come from the engine; an hour's replay makes millions of records).
  std::optional<std::int64_t> timeline_limit;
  // Most ring steps simulated per collective (0 = all): longer rings merge their steps,
  // keeping bytes and latency (sim/simulator.hpp, SimulationInput::ring_step_limit).
  // 16 leaves every ring of up to 9 members exact and cuts a 128-member all-reduce's
  // 254 steps of flows to 16.
  int ring_step_limit = 16;
  // The simulation budget (scenarios/README.md, "Simulation budget"; 0 = unlimited).
  // A scenario whose estimated size exceeds max_events or max_memory_gib is refused
  // before it runs (runs/size_admission.hpp); a run that still reaches max_events or
  // max_wall_s is stopped and its outputs are marked partial.
  std::int64_t max_events = kDefaultMaxEvents;
  double max_wall_s = kDefaultMaxWallS;
  double max_memory_gib = kDefaultMaxMemoryGiB;
};

inline constexpr std::int64_t kServingTimelineLimit = 100000;

struct Scenario {
  std::string name;
  std::string source_path;  // file it was loaded from ("" for inline)
  std::uint64_t seed = 1;
  ScenarioKind kind = ScenarioKind::training;
  ModelSpec model;
  ClusterSpec cluster;
  ParallelConfig parallel;
  WorkloadSpec workload;          // training
  ServingWorkloadSpec requests;   // serving
  ServingSpec serving;            // serving
  StrategySpec strategy;
  TrainingStepSpec training;      // training: gradient reduction and fixed step work
  SimOptions sim;
};

// The timeline limit a run of `s` uses (SimOptions::timeline_limit resolved by kind).
std::int64_t timeline_limit_of(const Scenario& s);

// A `--set path=value` override: dotted JSON path, value parsed as JSON when it parses
// (numbers, booleans, quoted strings, objects) and as a plain string otherwise.
struct Override {
  std::string path;
  std::string value;
};

Override parse_override(const std::string& text);  // "a.b=3" -> {a.b, 3}; InputError when malformed

// Loads a scenario file: resolves model/hardware ids against the data directory,
// applies overrides, validates every field and the parallel config. Throws InputError
// with the file, JSON path (or line/column) and rule broken.
Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides = {});
Scenario load_scenario_text(const std::string& json_text, const std::string& origin,
                            const std::vector<Override>& overrides = {});

// Bundled data: scenarios/{models,hardware,clusters}. Found from LCPERF_DATA_DIR, then by
// walking up from the scenario file, then as data_root()/scenarios (core/data_root.hpp:
// next to the binary, the install prefix, the source tree).
std::string data_dir(const std::string& near_path = "");
ModelSpec load_model(const std::string& id_or_path);
HardwareSpec load_hardware(const std::string& id_or_path);

std::string lcperf_version();

}  // namespace lcperf::core
