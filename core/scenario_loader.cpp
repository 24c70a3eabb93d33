// Scenario loading: text -> JSON -> ids resolved to data files -> --set overrides ->
// strict field-by-field parse -> cross-field validation. Each step reports InputError
// naming the file and the JSON path (or line:column) at fault.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/data_root.hpp"
#include "core/errors.hpp"
#include "core/hf_config.hpp"
#include "core/json_location.hpp"
#include "core/scenario.hpp"
#include "core/serving_feature_options.hpp"
#include "core/strict_json.hpp"
#include "core/training_step_parse.hpp"

namespace lcperf::core {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// ---- Sanity limits -----------------------------------------------------------------
// Far above any real model or cluster, but low enough that products of shapes (hidden *
// ffn * layers, vocab * hidden) stay inside int64 and the int products other code forms
// (nodes * gpus_per_node, pp * virtual_stages) inside int, so a typo such as an extra
// digit becomes an error message instead of an overflow downstream.
constexpr double kMaxLayers = 1 << 14;
constexpr double kMaxWidth = 1 << 20;  // hidden
constexpr double kMaxHeads = 1 << 16;  // heads, kv_heads, head_dim
constexpr double kMaxFfn = 1 << 24;
constexpr double kMaxVocab = 1 << 24;
constexpr double kMaxContext = 1LL << 40;  // tokens
constexpr double kMaxParallel = 1 << 16;   // one parallel degree
constexpr double kMaxVirtualStages = 1 << 10;
constexpr double kMaxBatch = 1 << 20;  // micro-batch size, micro-batches
constexpr double kMaxNodes = 1 << 18;
constexpr double kMaxGpusPerNode = 1 << 12;
constexpr double kMaxNics = 1 << 8;
constexpr double kMaxLatency_s = 1.0;
// Rates, sizes and times (scenarios/README.md, "Ranges"): floors keep a typo such as
// 1e-300 from reaching SimGrid (which aborts on such a link), ceilings keep byte counts
// inside int64 wherever they become integers (hbm_bytes = 1e19 would wrap negative).
constexpr double kMinFlops = 1e9;  // FLOP/s
constexpr double kMaxFlops = 1e18;
constexpr double kMinBandwidth = 1e6;  // bytes/s
constexpr double kMaxBandwidth = 1e15;
constexpr double kMinLatency_s = 1e-12;  // a latency is 0 (none) or at least this
constexpr double kMaxBytes = 1e15;  // one GPU's or host's memory: 1 PB
constexpr double kMaxGib = 1 << 20;      // budgets given in GiB: 1 PiB
constexpr double kMaxHorizon_s = 1e7;    // simulated seconds (about 116 days)
constexpr double kMinTimeScale = 1e-9;
constexpr double kMaxTimeScale = 1e6;
constexpr double kMaxCount = 1LL << 40;  // requests, iterations

// ---- Data files -------------------------------------------------------------------

struct DataKind {
  const char* folder;  // under the data directory
  const char* noun;    // for messages
};
constexpr DataKind kModels{"models", "model"};
constexpr DataKind kHardware{"hardware", "hardware"};
constexpr DataKind kClusters{"clusters", "cluster"};

bool is_existing_directory(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

bool is_data_dir(const fs::path& dir) {
  return is_existing_directory(dir / "models") && is_existing_directory(dir / "hardware");
}

// An id names a file in the data directory; anything with a slash or a .json suffix is
// a path instead (relative to the file that mentions it).
bool looks_like_path(const std::string& id_or_path) {
  return id_or_path.find('/') != std::string::npos || (id_or_path.size() > 5 && id_or_path.ends_with(".json"));
}

std::vector<std::string> known_ids(const std::string& data, const DataKind& kind) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (fs::directory_iterator it(fs::path(data) / kind.folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json") ids.push_back(it->path().stem().string());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

fs::path working_directory() {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  return ec ? fs::path() : cwd;
}

fs::path directory_of(const std::string& file) {
  std::error_code ec;
  if (file.empty() || !fs::exists(file, ec)) return {};
  return fs::path(file).parent_path();
}

// A data file located from an id or a path and parsed; `where` prefixes "not found"
// messages (e.g. "s.json: $.model"). The file's id defaults to its name, and a file
// found by id must not claim another id (a copied file that was not renamed).
struct DataFile {
  std::string path;
  json value;
};

DataFile read_data_file(const DataKind& kind, const std::string& id_or_path, const std::string& data,
                        const fs::path& base_dir, const std::string& where) {
  const bool by_path = looks_like_path(id_or_path);
  fs::path file = by_path ? base_dir / id_or_path : fs::path(data) / kind.folder / (id_or_path + ".json");
  // Control characters (a NUL from a \u0000 escape) would cut or garble the file name.
  const bool printable =
      std::none_of(id_or_path.begin(), id_or_path.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  std::error_code ec;
  if (id_or_path.empty() || !printable || !fs::is_regular_file(file, ec)) {
    if (by_path) throw InputError(where + ": " + kind.noun + " file '" + file.string() + "' not found");
    throw InputError(where + ": unknown " + kind.noun + " id '" + id_or_path +
                     "' (known: " + join(known_ids(data, kind)) + ")");
  }
  DataFile result{file.string(), read_json_file(file.string())};
  if (!result.value.is_object()) {
    throw_at(result.path, "$", "expected an object, got " + describe_json(result.value));
  }
  const std::string stem = file.stem().string();
  const auto id = result.value.find("id");
  if (id == result.value.end()) {
    result.value["id"] = stem;
  } else if (!by_path && id->is_string() && id->get<std::string>() != stem) {
    throw_at(result.path, "$.id",
             "id '" + id->get<std::string>() + "' does not match the file name '" + stem + ".json'");
  }
  return result;
}

// ---- Spec parsers -----------------------------------------------------------------
// Each reads one object completely and rejects unknown keys.

// A closed-set option (core/scenario_options.hpp): its name checked against the enum's
// names, so the message for a bad one lists them, then the name turned into the value.
template <ScenarioOption Option>
Option option(ObjectReader& r, std::string_view key) {
  return *parse_option<Option>(r.choice(key, option_names(Option{})));
}

template <ScenarioOption Option>
Option option_or(ObjectReader& r, std::string_view key, Option fallback) {
  return *parse_option<Option>(r.choice_or(key, std::string(to_string(fallback)), option_names(Option{})));
}

void read_metadata(ObjectReader& r) {
  r.string_or("name", "");
  r.string_or("source", "");
  r.string_or("description", "");
}

// A value that is 0 when the hardware lacks the feature (no NVLink, no NIC latency), and
// otherwise at least `floor`: a denormal bandwidth is a typo, not a slow link.
double zero_or_at_least(ObjectReader& r, std::string_view key, double floor, double ceiling) {
  const double value = r.number(key, Range::non_negative().at_most(ceiling));
  if (value != 0.0 && value < floor) {
    char rule[96];
    std::snprintf(rule, sizeof rule, "must be 0 (absent) or at least %g (got %g)", floor, value);
    r.fail(key, rule);
  }
  return value;
}

ModelSpec parse_model(ObjectReader r) {
  ModelSpec m;
  m.id = r.string_or("id", "inline");
  read_metadata(r);
  m.layers = r.int32("layers", Range::positive().at_most(kMaxLayers));
  m.hidden = r.integer("hidden", Range::positive().at_most(kMaxWidth));
  m.heads = r.int32("heads", Range::positive().at_most(kMaxHeads));
  m.kv_heads = r.int32("kv_heads", Range::positive().at_most(kMaxHeads));
  m.head_dim = r.int32("head_dim", Range::positive().at_most(kMaxHeads));
  m.ffn_hidden = r.integer("ffn_hidden", Range::positive().at_most(kMaxFfn));
  m.vocab = r.integer("vocab", Range::positive().at_most(kMaxVocab));
  m.gated_mlp = r.boolean_or("gated_mlp", true);
  m.tied_embeddings = r.boolean_or("tied_embeddings", false);
  m.qkv_bias = r.boolean_or("qkv_bias", false);
  m.layernorm_bias = r.boolean_or("layernorm_bias", false);
  m.max_context = r.integer("max_context", Range::positive().at_most(kMaxContext));
  m.dtype = *parse_dtype(r.choice_or("dtype", "bf16", {"bf16", "fp16", "fp32", "fp8"}));
  r.finish();
  // Grouped-query attention shares each KV head among heads/kv_heads query heads.
  if (m.heads % m.kv_heads != 0) {
    r.fail("kv_heads",
           std::to_string(m.kv_heads) + " KV heads do not divide the " + std::to_string(m.heads) + " attention heads");
  }
  return m;
}

HardwareSpec parse_hardware(ObjectReader r) {
  HardwareSpec h;
  h.id = r.string_or("id", "inline");
  h.name = r.string_or("name", h.id);
  r.string_or("source", "");
  r.string_or("description", "");
  const Range flops = Range::at_least(kMinFlops).at_most(kMaxFlops);
  const Range rate = Range::at_least(kMinBandwidth).at_most(kMaxBandwidth);
  const auto optional_rate = [&](std::string_view key) { return zero_or_at_least(r, key, kMinBandwidth, kMaxBandwidth); };
  const auto latency = [&](std::string_view key) { return zero_or_at_least(r, key, kMinLatency_s, kMaxLatency_s); };
  h.peak_bf16_flops = r.number("peak_bf16_flops", flops);
  h.peak_fp16_flops = r.number("peak_fp16_flops", flops);
  h.peak_fp8_flops = zero_or_at_least(r, "peak_fp8_flops", kMinFlops, kMaxFlops);  // 0 = the GPU lacks it
  h.peak_fp32_flops = r.number("peak_fp32_flops", flops);
  h.hbm_bytes = r.number("hbm_bytes", Range::positive().at_most(kMaxBytes));
  h.hbm_bandwidth_bytes_per_s = r.number("hbm_bandwidth_bytes_per_s", rate);
  h.nvlink_bandwidth_bytes_per_s = optional_rate("nvlink_bandwidth_bytes_per_s");
  h.nvlink_latency_s = latency("nvlink_latency_s");
  h.pcie_bandwidth_bytes_per_s = r.number("pcie_bandwidth_bytes_per_s", rate);
  h.pcie_latency_s = latency("pcie_latency_s");
  h.nic_bandwidth_bytes_per_s = optional_rate("nic_bandwidth_bytes_per_s");
  h.nic_latency_s = latency("nic_latency_s");
  h.host_memory_bytes = r.number("host_memory_bytes", Range::non_negative().at_most(kMaxBytes));
  h.host_memory_bandwidth_bytes_per_s = optional_rate("host_memory_bandwidth_bytes_per_s");
  h.kernel_launch_latency_s = latency("kernel_launch_latency_s");
  r.finish();
  return h;
}

// The cluster's "hardware" must already be resolved to an object.
ClusterSpec parse_cluster(ObjectReader r) {
  ClusterSpec c;
  const std::string id = r.string_or("id", "");
  read_metadata(r);
  // Read like "model": an id in the file (so the schema types it as either), the object
  // it resolved to here.
  c.gpu = parse_hardware(ObjectReader(r.raw("hardware"), r.origin(), r.path_of("hardware")));
  c.nodes = r.int32("nodes", Range::positive().at_most(kMaxNodes));
  c.gpus_per_node = r.int32("gpus_per_node", Range::positive().at_most(kMaxGpusPerNode));
  const std::string fabric = r.choice_or("fabric", "nvswitch", {"nvswitch", "pcie"});
  c.fabric = fabric == "pcie" ? IntraNodeFabric::pcie : IntraNodeFabric::nvswitch;
  c.nics_per_node = r.int32_or("nics_per_node", c.gpus_per_node, Range::non_negative().at_most(kMaxNics));
  const std::string topology = r.choice_or("topology", "fat_tree", {"fat_tree", "rail_optimized"});
  c.topology = topology == "rail_optimized" ? Topology::rail_optimized : Topology::fat_tree;
  c.oversubscription = r.number_or("oversubscription", 1.0, Range::at_least(1.0).at_most(1000.0));
  c.switch_latency_s = r.has("switch_latency_s") ? zero_or_at_least(r, "switch_latency_s", kMinLatency_s, kMaxLatency_s)
                                                  : r.number_or("switch_latency_s", 1e-6);
  r.finish();
  // An unnamed inline cluster is named after its shape, e.g. "2x8-h200".
  c.id = !id.empty() ? id : std::to_string(c.nodes) + "x" + std::to_string(c.gpus_per_node) + "-" + c.gpu.id;
  if (c.nodes > 1 && c.nics_per_node < 1) r.fail("nics_per_node", "a cluster of several nodes needs NICs");
  if (c.nodes > 1 && c.gpu.nic_bandwidth_bytes_per_s <= 0) {
    r.fail("hardware", "a cluster of several nodes needs nic_bandwidth_bytes_per_s > 0 (" + c.gpu.id + ")");
  }
  if (c.fabric == IntraNodeFabric::nvswitch && c.gpu.nvlink_bandwidth_bytes_per_s <= 0) {
    r.fail("fabric", "'nvswitch' needs a GPU with nvlink_bandwidth_bytes_per_s > 0 (" + c.gpu.id + ")");
  }
  return c;
}

ParallelConfig parse_parallel(ObjectReader r) {
  const Range degree = Range::positive().at_most(kMaxParallel);
  const Range batch = Range::positive().at_most(kMaxBatch);
  ParallelConfig p;
  p.tp = r.int32_or("tp", 1, degree);
  p.sequence_parallel = r.boolean_or("sequence_parallel", false);
  p.pp = r.int32_or("pp", 1, degree);
  p.virtual_stages = r.int32_or("virtual_stages", 1, Range::positive().at_most(kMaxVirtualStages));
  p.dp = r.int32_or("dp", 1, degree);
  p.cp = r.int32_or("cp", 1, degree);
  p.micro_batch_size = r.int32_or("micro_batch_size", 1, batch);
  p.num_micro_batches = r.int32_or("num_micro_batches", 1, batch);
  p.distributed_optimizer = r.boolean_or("distributed_optimizer", false);
  r.finish();
  // world_size() multiplies in int; keep the product representable before anyone calls it.
  // (In double: four degrees of up to 2^16 can overflow int64 too.)
  const double gpus = static_cast<double>(p.tp) * p.pp * p.dp * p.cp;
  if (gpus > std::numeric_limits<int>::max()) {
    r.fail_here("tp*pp*dp*cp is over 2^31 GPUs, more than any cluster holds");
  }
  return p;
}

WorkloadSpec parse_workload(ObjectReader r) {
  WorkloadSpec w;
  w.kind = option<WorkloadKind>(r, "kind");
  if (w.kind == WorkloadKind::fixed_length) {
    w.seq_len = r.integer("seq_len", Range::positive().at_most(kMaxContext));
  } else {
    w.dataset = r.string("dataset");
    w.global_batch = r.int32("global_batch", Range::positive().at_most(1 << 24));
    w.context_length = r.integer("context_length", Range::positive().at_most(kMaxContext));
    w.iteration = r.integer_or("iteration", 0, Range::non_negative().at_most(kMaxCount));
    w.seq_len = w.context_length;  // the longest a micro-batch or sequence can be
  }
  r.finish();
  return w;
}

StrategySpec parse_strategy(ObjectReader r) {
  StrategySpec s;
  s.name = option_or(r, "name", s.name);
  s.chunk_size = r.integer_or("chunk_size", s.chunk_size, Range::positive().at_most(kMaxContext));
  s.k = r.int32_or("k", s.k, Range::positive().at_most(1 << 20));
  s.schedule = option_or(r, "schedule", s.schedule);
  s.recompute = option_or(r, "recompute", s.recompute);
  s.activation_budget_gib = r.number_or("activation_budget_gib", 0.0, Range::non_negative().at_most(kMaxGib));
  r.finish();
  return s;
}

// $.kernels (training): how every layer is run (core/layer_kernels.hpp).
LayerKernels parse_kernels(ObjectReader r) {
  LayerKernels k;
  k.attention = option_or(r, "attention", k.attention);
  for (auto [key, value] : {std::pair{"attention_dropout", &k.attention_dropout},
                            std::pair{"hidden_dropout", &k.hidden_dropout}}) {
    *value = r.number_or(key, 0.0, Range::between(0.0, 1.0));
    if (*value >= 1.0) r.fail(key, "a dropout probability must be below 1 (got " + std::to_string(*value) + ")");
  }
  k.position_embedding = option_or(r, "position_embedding", k.position_embedding);
  k.gemm_precision = option_or(r, "gemm_precision", k.gemm_precision);
  k.fp8_recipe = option_or(r, "fp8_recipe", k.fp8_recipe);
  k.wgrad_accumulation = option_or(r, "wgrad_accumulation", k.wgrad_accumulation);
  k.cross_entropy = option_or(r, "cross_entropy", k.cross_entropy);
  k.cp_attention = option_or(r, "cp_attention", k.cp_attention);
  r.finish();
  return k;
}

// workload.kind "fixed": a closed-loop benchmark load of identical requests.
ServingWorkloadSpec parse_fixed_serving_workload(ObjectReader& r) {
  ServingWorkloadSpec w;
  w.kind = ServingWorkloadKind::fixed;
  FixedServingLoad& f = w.fixed;
  f.requests = r.integer("requests", Range::positive().at_most(1 << 24));
  f.concurrency = r.int32("concurrency", Range::positive().at_most(1 << 20));
  f.prompt_tokens = r.integer("prompt_tokens", Range::positive().at_most(kMaxContext));
  f.output_tokens = r.integer("output_tokens", Range::positive().at_most(kMaxContext));
  f.start = option_or(r, "start", f.start);
  f.prompt_tokens_stddev = r.number_or("prompt_tokens_stddev", 0.0, Range::non_negative().at_most(kMaxContext));
  f.output_tokens_stddev = r.number_or("output_tokens_stddev", 0.0, Range::non_negative().at_most(kMaxContext));
  if (f.concurrency > f.requests) r.fail("concurrency", "must be at most requests (" + std::to_string(f.requests) + ")");
  r.finish();
  return w;
}

ServingWorkloadSpec parse_serving_workload(ObjectReader r) {
  ServingWorkloadSpec w;
  if (option<ServingWorkloadKind>(r, "kind") == ServingWorkloadKind::fixed) return parse_fixed_serving_workload(r);
  w.trace = r.string("trace");
  w.format = option_or(r, "format", w.format);
  w.max_requests = r.integer_or("max_requests", 0, Range::non_negative().at_most(kMaxCount));
  w.time_scale = r.number_or("time_scale", 1.0, Range::at_least(kMinTimeScale).at_most(kMaxTimeScale));
  w.skip_corrupt = r.boolean_or("skip_corrupt", false);
  if (auto l = r.object_if_present("long_requests")) {
    auto& m = w.long_requests;
    m.count = l->integer_or("count", m.count, Range::non_negative().at_most(1 << 20));
    m.seed = static_cast<std::uint64_t>(l->integer_or("seed", static_cast<std::int64_t>(m.seed), Range::non_negative()));
    m.min_context_tokens = l->integer_or("min_context_tokens", m.min_context_tokens, Range::positive().at_most(kMaxContext));
    m.max_context_tokens = l->integer_or("max_context_tokens", m.max_context_tokens, Range::positive().at_most(kMaxContext));
    m.generation_share = l->number_or("generation_share", m.generation_share, Range::non_negative().below(1.0));
    const Range tokens = Range::positive().at_most(kMaxContext);
    m.short_output_min_tokens = l->integer_or("short_output_min_tokens", m.short_output_min_tokens, tokens);
    m.short_output_max_tokens = l->integer_or("short_output_max_tokens", m.short_output_max_tokens, tokens);
    m.short_prompt_min_tokens = l->integer_or("short_prompt_min_tokens", m.short_prompt_min_tokens, tokens);
    m.short_prompt_max_tokens = l->integer_or("short_prompt_max_tokens", m.short_prompt_max_tokens, tokens);
    m.arrival_window_s = l->number_or("arrival_window_s", m.arrival_window_s, Range::non_negative().at_most(kMaxHorizon_s));
    l->finish();
  }
  r.finish();
  return w;
}

// $.serving.disaggregation (schedulers/serving/disaggregation.hpp): two pools of
// instances; present = on. The pools' sizes are checked against the cluster in
// validate_cross_fields.
DisaggPoolSpec parse_disagg_pool(ObjectReader r) {
  DisaggPoolSpec p;
  const Range degree = Range::positive().at_most(kMaxParallel);
  p.instances = r.int32_or("instances", p.instances, degree);
  p.tp = r.int32_or("tp", p.tp, degree);
  p.pp = r.int32_or("pp", p.pp, degree);
  r.finish();
  return p;
}

DisaggregationSpec parse_disaggregation(ObjectReader r) {
  DisaggregationSpec d;
  d.enabled = true;
  d.prefill = parse_disagg_pool(r.object("prefill"));
  d.decode = parse_disagg_pool(r.object("decode"));
  d.transfer = option_or(r, "transfer", d.transfer);
  d.decode_policy = option_or(r, "decode_policy", d.decode_policy);
  r.finish();
  return d;
}

ServingSpec parse_serving(ObjectReader r) {
  ServingSpec s;
  s.instances = r.int32_or("instances", s.instances, Range::positive().at_most(1 << 16));
  s.routing = option_or(r, "routing", s.routing);
  s.block_size_tokens = r.integer_or("block_size_tokens", s.block_size_tokens, Range::positive().at_most(1 << 20));
  s.max_num_batched_tokens =
      r.integer_or("max_num_batched_tokens", s.max_num_batched_tokens, Range::positive().at_most(kMaxContext));
  s.max_num_seqs = r.int32_or("max_num_seqs", s.max_num_seqs, Range::positive().at_most(1 << 20));
  s.chunked_prefill = r.boolean_or("chunked_prefill", s.chunked_prefill);
  s.prefill_chunk_tokens = r.integer_or("prefill_chunk_tokens", s.prefill_chunk_tokens, Range::positive().at_most(kMaxContext));
  s.prefill_with_decodes = r.boolean_or("prefill_with_decodes", s.prefill_with_decodes);
  s.preemption = option_or(r, "preemption", s.preemption);
  s.watermark = r.number_or("watermark", s.watermark, Range::between(0.0, 0.5));
  s.kv_memory_fraction = r.number_or("kv_memory_fraction", s.kv_memory_fraction, Range::positive().at_most(1.0));
  s.host_kv_gib = r.number_or("host_kv_gib", s.host_kv_gib, Range::non_negative().at_most(kMaxGib));
  if (auto sparsity = r.object_if_present("weight_sparsity")) {
    s.sparsity_qkv = sparsity->number_or("qkv", 0.0, Range::between(0.0, 0.99));
    s.sparsity_out = sparsity->number_or("out", 0.0, Range::between(0.0, 0.99));
    s.sparsity_mlp_up = sparsity->number_or("mlp_up", 0.0, Range::between(0.0, 0.99));
    s.sparsity_mlp_down = sparsity->number_or("mlp_down", 0.0, Range::between(0.0, 0.99));
    sparsity->finish();
  }
  s.sparse_attention = r.boolean_or("sparse_attention", s.sparse_attention);
  s.sparse_min_context = r.integer_or("sparse_min_context", s.sparse_min_context, Range::non_negative().at_most(kMaxContext));
  s.sparse_vertical_budget =
      r.integer_or("sparse_vertical_budget", s.sparse_vertical_budget, Range::positive().at_most(kMaxContext));
  s.sparse_slash_budget = r.integer_or("sparse_slash_budget", s.sparse_slash_budget, Range::positive().at_most(kMaxContext));
  s.sparse_slash_spread = r.number_or("sparse_slash_spread", s.sparse_slash_spread, Range::between(0.0, 1.0));
  s.dca = r.boolean_or("dca", s.dca);
  s.dca_chunk_tokens = r.integer_or("dca_chunk_tokens", s.dca_chunk_tokens, Range::positive().at_most(kMaxContext));
  s.log_batches = r.boolean_or("log_batches", s.log_batches);
  s.stack = r.string_or("stack", s.stack);
  if (s.stack.empty()) r.fail("stack", "must name a serving stack profile (\"ideal\" for none)");
  s.kv_policy = option_or(r, "kv_policy", s.kv_policy);
  if (auto c = r.object_if_present("prefix_cache")) s.prefix_cache = parse_prefix_cache(*c);
  if (auto p = r.object_if_present("precision")) s.precision = parse_serving_precision(*p);
  if (auto o = r.object_if_present("slo")) s.slo = parse_serving_slo(*o);
  if (auto d = r.object_if_present("distkv")) {
    DistKvSpec& k = s.distkv;
    k.lend_cap_fraction = d->number_or("lend_cap_fraction", k.lend_cap_fraction, Range::between(0.0, 1.0));
    const Range period = Range::at_least(kMinDistKvPeriodS).at_most(kMaxHorizon_s);
    k.heartbeat_period_s = d->number_or("heartbeat_period_s", k.heartbeat_period_s, period);
    k.reply_timeout_s = d->number_or("reply_timeout_s", k.reply_timeout_s, period);
    k.exchange_timeout_s = d->number_or("exchange_timeout_s", k.exchange_timeout_s, period);
    k.dead_after_s = d->number_or("dead_after_s", k.dead_after_s, period);
    k.reclaim_period_s = d->number_or("reclaim_period_s", k.reclaim_period_s, period);
    k.max_blocks_per_exchange =
        d->integer_or("max_blocks_per_exchange", k.max_blocks_per_exchange, Range::positive().at_most(1 << 20));
    k.max_candidates = d->int32_or("max_candidates", k.max_candidates, Range::positive().at_most(1 << 16));
    d->finish();
  }
  if (auto d = r.object_if_present("disaggregation")) s.disaggregation = parse_disaggregation(std::move(*d));
  r.finish();
  return s;
}

// sim.max_events, sim.max_wall_s, sim.max_memory_gib: 0 = unlimited.
void parse_sim_budget(ObjectReader& r, SimOptions& o) {
  o.max_events = r.integer_or("max_events", o.max_events, Range::non_negative());
  o.max_wall_s = r.number_or("max_wall_s", o.max_wall_s, Range::non_negative());
  o.max_memory_gib = r.number_or("max_memory_gib", o.max_memory_gib, Range::non_negative());
}

SimOptions parse_sim(ObjectReader r) {
  SimOptions o;
  o.granularity = option_or(r, "granularity", o.granularity);
  o.communication = option_or(r, "communication", o.communication);
  o.engine = option_or(r, "engine", o.engine);
  o.device_profile = r.string_or("device_profile", "");
  o.fold_tensor_parallel = option_or(r, "fold_tensor_parallel", o.fold_tensor_parallel);
  o.fold_data_parallel = option_or(r, "fold_data_parallel", o.fold_data_parallel);
  if (r.has("timeline_limit")) o.timeline_limit = r.integer("timeline_limit", Range::non_negative());
  o.ring_step_limit = r.int32_or("ring_step_limit", o.ring_step_limit, Range::non_negative().at_most(1 << 20));
  parse_sim_budget(r, o);
  r.finish();
  return o;
}

// "hf:PATH" in "model": a Hugging Face config.json (relative to the file that names
// it), converted to the lcperf model object (core/hf_config.hpp) and checked like a model
// file, so a shape the importer produced but the model rules refuse names the config.
json hf_model(const fs::path& base_dir, const std::string& path, const std::string& where) {
  const fs::path file = base_dir / path;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    throw InputError(where + ": Hugging Face config '" + file.string() + "' not found");
  }
  json model = read_hf_model(file.string());
  parse_model(ObjectReader(model, file.string()));
  return model;
}

// ---- Id resolution ----------------------------------------------------------------
// Replaces "model", "cluster" and "cluster.hardware" ids by the objects of their data
// files, so --set can reach into them (model.layers=8) and the strict parse sees one
// document. Referenced files are validated on their own first, so a broken data file
// is reported with its own name.

struct Resolver {
  std::string origin;  // the scenario, for messages
  std::string data;    // data directory
  fs::path base_dir;   // relative paths in the scenario are relative to its folder

  json hardware(const std::string& id, const fs::path& from_dir, const std::string& where) const {
    DataFile file = read_data_file(kHardware, id, data, from_dir, where);
    parse_hardware(ObjectReader(file.value, file.path));
    return std::move(file.value);
  }

  // Resolves the hardware id inside a cluster object (inline or from a file).
  void cluster_hardware(json& cluster, const fs::path& from_dir, const std::string& where_cluster) const {
    const auto hw = cluster.find("hardware");
    if (hw == cluster.end() || !hw->is_string()) return;  // inline, or a type error the parse reports
    *hw = hardware(hw->get<std::string>(), from_dir, where_cluster + ".hardware");
  }

  json cluster(const std::string& id, const std::string& where) const {
    DataFile file = read_data_file(kClusters, id, data, base_dir, where);
    cluster_hardware(file.value, fs::path(file.path).parent_path(), file.path + ": $");
    parse_cluster(ObjectReader(file.value, file.path));
    return std::move(file.value);
  }

  json model(const std::string& id, const std::string& where) const {
    if (const std::string hf = hf_config_path(id); !hf.empty()) return hf_model(base_dir, hf, where);
    DataFile file = read_data_file(kModels, id, data, base_dir, where);
    parse_model(ObjectReader(file.value, file.path));
    return std::move(file.value);
  }

  void resolve(json& root) const {
    if (!root.is_object()) return;  // the strict parse reports it
    if (const auto m = root.find("model"); m != root.end() && m->is_string()) {
      *m = model(m->get<std::string>(), origin + ": $.model");
    }
    if (const auto c = root.find("cluster"); c != root.end()) {
      if (c->is_string()) *c = cluster(c->get<std::string>(), origin + ": $.cluster");
      if (c->is_object()) cluster_hardware(*c, base_dir, origin + ": $.cluster");
    }
  }
};

// ---- Overrides --------------------------------------------------------------------

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

std::vector<std::string> keys_of(const json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

std::optional<std::size_t> parse_index(const std::string& text) {
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(std::stoul(text));
}

// Walks existing objects (and array indices) down to the parent of the last key and
// sets it there. Missing intermediate keys are errors; a new last key is allowed here
// and left to the strict parse, which rejects it unless it is a known field.
void apply_override(json& root, const Override& o, const std::string& origin) {
  const std::string where = origin + ": --set '" + o.path + "=" + o.value + "': ";
  json value = json::parse(o.value, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = o.value;  // not JSON: a plain string such as an id

  const std::vector<std::string> parts = split_path(o.path);
  json* node = &root;
  std::string path = "$";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.empty()) throw InputError(where + "empty component in path '" + o.path + "'");
    const bool last = i + 1 == parts.size();
    if (node->is_object()) {
      if (last) {
        (*node)[part] = std::move(value);
        return;
      }
      const auto child = node->find(part);
      if (child == node->end()) {
        throw InputError(where + "no key '" + part + "' at " + path + " (keys: " + join(keys_of(*node)) + ")");
      }
      node = &*child;
      path = child_path(path, part);
    } else if (node->is_array()) {
      const auto index = parse_index(part);
      if (!index || *index >= node->size()) {
        throw InputError(where + "'" + part + "' is not an index of the " + std::to_string(node->size()) +
                         "-element array at " + path);
      }
      if (last) {
        (*node)[*index] = std::move(value);
        return;
      }
      node = &(*node)[*index];
      path = index_path(path, *index);
    } else {
      throw InputError(where + path + " is " + json_type_name(*node) + ", not an object");
    }
  }
}

// Optional sections exist as empty objects, so `--set parallel.tp=4` works on a
// scenario that relies on every parallel default.
void add_optional_sections(json& root) {
  if (!root.is_object()) return;
  for (const char* section : {"parallel", "strategy", "training", "sim", "kernels"}) {
    if (root.find(section) == root.end()) root[section] = json::object();
  }
}

// ---- Scenario ---------------------------------------------------------------------

// The pools fill the cluster exactly (each pool's instances within nodes), run
// tensor parallelism only, and keep each instance's KV local.
void validate_disaggregation(const Scenario& s, const std::string& origin) {
  const DisaggregationSpec& d = s.serving.disaggregation;
  const std::string at = "$.serving.disaggregation";
  for (const auto& [name, pool] : {std::pair{"prefill", d.prefill}, std::pair{"decode", d.decode}}) {
    if (pool.pp != 1) {
      throw_at(origin, at + "." + name + ".pp", "a disaggregated pool runs tensor parallelism only (pp must be 1)");
    }
    if (s.cluster.gpus_per_node % pool.tp != 0) {
      throw_at(origin, at + "." + name + ".tp",
               "tp " + std::to_string(pool.tp) + " must divide the node's " + std::to_string(s.cluster.gpus_per_node) +
                   " GPUs (an instance stays inside a node)");
    }
  }
  const std::int64_t gpus = std::int64_t{d.prefill.gpus()} + d.decode.gpus();
  if (gpus != s.cluster.world_size()) {
    throw_at(origin, at,
             std::to_string(d.prefill.instances) + " prefill instances of tp " + std::to_string(d.prefill.tp) + " and " +
                 std::to_string(d.decode.instances) + " decode instances of tp " + std::to_string(d.decode.tp) +
                 " use " + std::to_string(gpus) + " GPUs; the pools must fill the cluster's " +
                 std::to_string(s.cluster.world_size()));
  }
  if (s.serving.kv_policy != KvPolicy::local) {
    throw_at(origin, "$.serving.kv_policy", "disaggregation keeps each instance's KV local (kv_policy \"local\")");
  }
  if (s.requests.kind == ServingWorkloadKind::fixed) {
    throw_at(origin, at, "disaggregation replays a trace (workload.kind \"trace\")");
  }
}

void validate_cross_fields(const Scenario& s, const std::string& origin) {
  const ParallelConfig& p = s.parallel;
  if (s.kind != ScenarioKind::serving && s.sim.timeline_limit.value_or(0) != 0) {
    throw_at(origin, "$.sim.timeline_limit",
             "a training run keeps its whole timeline (its metrics are read from it); the limit is for serving "
             "scenarios");
  }
  if (s.kind == ScenarioKind::serving) {
    if (p.cp != 1 || p.dp != 1) {
      throw_at(origin, "$.parallel", "a serving instance runs with tensor and pipeline parallelism only (cp and dp "
                                     "must be 1; use serving.instances for replicas)");
    }
    if (s.serving.disaggregation.enabled) {
      validate_disaggregation(s, origin);
      return;
    }
    const std::int64_t gpus = std::int64_t{p.tp} * p.pp * s.serving.instances;
    if (gpus > s.cluster.world_size()) {
      throw_at(origin, "$.serving.instances",
               std::to_string(s.serving.instances) + " instances of tp=" + std::to_string(p.tp) + " x pp=" +
                   std::to_string(p.pp) + " need " +
                   std::to_string(gpus) + " GPUs; the cluster has " + std::to_string(s.cluster.world_size()));
    }
    return;
  }
  const bool interleaved = s.strategy.schedule == PipelineSchedule::interleaved_1f1b;
  if (p.virtual_stages > 1 && !interleaved) {
    throw_at(origin, "$.parallel.virtual_stages",
             "virtual_stages > 1 needs strategy.schedule 'interleaved_1f1b' (got '" +
                 std::string(to_string(s.strategy.schedule)) + "')");
  }
  if (interleaved && p.virtual_stages < 2) {
    throw_at(origin, "$.strategy.schedule", "'interleaved_1f1b' needs parallel.virtual_stages >= 2");
  }
  if (s.workload.kind == WorkloadKind::dataset) {
    if (s.workload.global_batch % p.dp != 0) {
      throw_at(origin, "$.workload.global_batch",
               std::to_string(s.workload.global_batch) + " sequences do not split evenly over dp = " +
                   std::to_string(p.dp));
    }
    return;  // packed micro-batches are padded to what SP and CP need
  }
  // Context parallelism (Megatron) cuts each sequence into 2*cp chunks so that every
  // rank gets an equal share of the causal attention work.
  if (p.cp > 1 && s.workload.seq_len % (2 * p.cp) != 0) {
    throw_at(origin, "$.workload.seq_len",
             std::to_string(s.workload.seq_len) + " is not divisible by 2*cp = " + std::to_string(2 * p.cp));
  }
  // Sequence parallelism shards activations along the sequence over the TP group.
  if (p.sequence_parallel && s.workload.seq_len % (std::int64_t{p.tp} * p.cp) != 0) {
    throw_at(origin, "$.workload.seq_len",
             std::to_string(s.workload.seq_len) +
                 " is not divisible by tp*cp = " + std::to_string(std::int64_t{p.tp} * p.cp) +
                 " (sequence_parallel splits the sequence over the TP group)");
  }
}

std::string default_name(const std::string& origin) {
  const std::string stem = fs::path(origin).stem().string();
  return stem.empty() ? "scenario" : stem;
}

Scenario parse_scenario(const json& root, const std::string& origin) {
  ObjectReader r(root, origin);
  Scenario s;
  s.name = r.string_or("name", "");  // default: the file's name (not the schema's default, which is per file)
  if (s.name.empty()) s.name = default_name(origin);
  r.string_or("description", "");
  // An editor finds the published schema (schema/scenario.schema.json) through "$schema".
  r.string_or("$schema", "");
  s.seed = static_cast<std::uint64_t>(r.integer_or("seed", 1, Range::non_negative()));
  s.kind = option_or(r, "kind", s.kind);
  const json& model = r.raw("model");
  if (!model.is_object()) r.fail("model", "expected a model id or an object, got " + describe_json(model));
  s.model = parse_model(ObjectReader(model, origin, r.path_of("model")));
  const json& cluster = r.raw("cluster");
  if (!cluster.is_object()) r.fail("cluster", "expected a cluster id or an object, got " + describe_json(cluster));
  s.cluster = parse_cluster(ObjectReader(cluster, origin, r.path_of("cluster")));
  s.parallel = parse_parallel(r.object("parallel"));
  if (s.kind == ScenarioKind::serving) {
    s.requests = parse_serving_workload(r.object("workload"));
    s.serving = r.has("serving") ? parse_serving(r.object("serving")) : ServingSpec{};
  } else {
    s.workload = parse_workload(r.object("workload"));
  }
  s.strategy = parse_strategy(r.object("strategy"));
  s.training = parse_training_step(r.object("training"));
  s.sim = parse_sim(r.object("sim"));
  if (r.has("kernels")) {
    s.model.kernels = parse_kernels(r.object("kernels"));
    if (s.kind == ScenarioKind::serving && !(s.model.kernels == LayerKernels{})) {
      r.fail("kernels", "the kernels section applies to training scenarios (serving prices its own steps)");
    }
  }
  r.finish();
  validate_parallel_config(s.parallel, s.model, s.cluster, origin + ": $.parallel");
  validate_cross_fields(s, origin);
  return s;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace

Override parse_override(const std::string& text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos) throw InputError("--set '" + text + "': expected PATH=VALUE (e.g. parallel.tp=4)");
  std::string path = trim(text.substr(0, eq));
  if (path.starts_with("$.")) path.erase(0, 2);  // accept the JSON-path spelling of messages
  if (path.empty()) throw InputError("--set '" + text + "': empty path before '='");
  for (const std::string& part : split_path(path)) {
    if (part.empty()) throw InputError("--set '" + text + "': empty component in path '" + path + "'");
  }
  return Override{path, text.substr(eq + 1)};
}

std::string data_dir(const std::string& near_path) {
  if (const char* env = std::getenv("LCPERF_DATA_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  if (!near_path.empty() && fs::exists(near_path, ec)) {
    fs::path dir = fs::absolute(near_path, ec);
    if (!ec && !is_existing_directory(dir)) dir = dir.parent_path();
    // Walk up to the filesystem root; a folder qualifies when it is the data folder
    // itself or holds it as scenarios/ (a scenario kept at a repository's root).
    for (; !ec && !dir.empty(); dir = dir.parent_path()) {
      if (is_data_dir(dir)) return dir.string();
      if (is_data_dir(dir / "scenarios")) return (dir / "scenarios").string();
      if (dir == dir.root_path()) break;
    }
  }
  return (fs::path(data_root()) / "scenarios").string();
}

ModelSpec load_model(const std::string& id_or_path) {
  if (const std::string hf = hf_config_path(id_or_path); !hf.empty()) {
    return parse_model(ObjectReader(hf_model(working_directory(), hf, "--model"), hf));
  }
  const std::string data = data_dir();
  DataFile file = read_data_file(kModels, id_or_path, data, working_directory(), data + "/models");
  return parse_model(ObjectReader(file.value, file.path));
}

HardwareSpec load_hardware(const std::string& id_or_path) {
  const std::string data = data_dir();
  DataFile file = read_data_file(kHardware, id_or_path, data, working_directory(), data + "/hardware");
  return parse_hardware(ObjectReader(file.value, file.path));
}

Scenario load_scenario_text(const std::string& json_text, const std::string& origin,
                            const std::vector<Override>& overrides) {
  json root = parse_json(json_text, origin);
  const Resolver resolver{origin, data_dir(origin), directory_of(origin)};
  resolver.resolve(root);
  add_optional_sections(root);
  for (const Override& o : overrides) apply_override(root, o, origin);
  resolver.resolve(root);  // an override may name another model, cluster or hardware id
  return parse_scenario(root, origin);
}

Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides) {
  Scenario s = load_scenario_text(read_text_file(path), path, overrides);
  s.source_path = path;
  return s;
}

std::int64_t timeline_limit_of(const Scenario& s) {
  if (s.sim.timeline_limit) return *s.sim.timeline_limit;
  return s.kind == ScenarioKind::serving ? kServingTimelineLimit : 0;
}

std::string lcperf_version() { return LCPERF_VERSION; }

}  // namespace lcperf::core
