#include "runs/sweep_estimate.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <variant>

#include "core/layer_ops.hpp"
#include "core/parallel_config.hpp"
#include "core/training_memory.hpp"
#include "runs/sweep_memory_bound.hpp"
#include "runs/training_run.hpp"
#include "runs/training_strategy.hpp"
#include "schedulers/training/megatron_program.hpp"

namespace lcperf::runs {

double pipeline_time_s(double stage_work_s, double item_s, int pp, int virtual_stages) {
  return stage_work_s + static_cast<double>(pp - 1) / std::max(1, virtual_stages) * item_s;
}

double pipeline_bubble_fraction(int pp, int micro_batches, int virtual_stages) {
  const double fill = static_cast<double>(pp - 1);
  const double denominator = static_cast<double>(std::max(1, virtual_stages)) * micro_batches + fill;
  return denominator > 0 ? fill / denominator : 0.0;
}

double ConfigurationEstimate::metric(const std::string& name) const {
  if (name == "tokens_per_s") return tokens_per_s;
  if (name == "iteration_time_s") return iteration_time_s;
  if (name == "mfu") return mfu;
  if (name == "peak_memory_bytes") return static_cast<double>(memory_lower_bound_bytes);
  if (name == "bubble_ratio") return bubble_ratio;
  if (name == "dp_imbalance") return dp_imbalance;
  throw std::logic_error("unknown sweep metric " + name);
}

double pipeline_makespan_s(const std::vector<std::vector<PipelineStepRef>>& stages, int virtual_stages,
                           const std::function<double(int, const PipelineStepRef&)>& duration,
                           const std::function<double(const PipelineStepRef&)>& transfer) {
  const int p = static_cast<int>(stages.size());
  const int virtual_count = p * std::max(1, virtual_stages);
  int items = 0;
  std::size_t remaining = 0;
  for (const auto& steps : stages) {
    remaining += steps.size();
    for (const PipelineStepRef& step : steps) items = std::max(items, step.item + 1);
  }
  // End times by (virtual stage, item); negative: not yet run.
  std::vector<double> forward_end(static_cast<std::size_t>(virtual_count) * items, -1.0);
  std::vector<double> backward_end(forward_end.size(), -1.0);
  const auto at = [items](int vs, int item) { return static_cast<std::size_t>(vs) * items + item; };
  std::vector<std::size_t> next(static_cast<std::size_t>(p), 0);
  std::vector<double> clock(static_cast<std::size_t>(p), 0.0);
  while (remaining > 0) {
    bool progressed = false;
    for (int s = 0; s < p; ++s) {
      const auto& steps = stages[static_cast<std::size_t>(s)];
      std::size_t& pos = next[static_cast<std::size_t>(s)];
      double& now = clock[static_cast<std::size_t>(s)];
      for (; pos < steps.size(); ++pos, --remaining, progressed = true) {
        const PipelineStepRef& step = steps[pos];
        const int vs = step.model_chunk * p + s;
        double ready = now;
        if (step.kind == PipelineStepRef::Kind::forward && vs > 0) {
          const double dependency = forward_end[at(vs - 1, step.item)];
          if (dependency < 0) break;
          ready = std::max(ready, dependency + transfer(step));
        } else if (step.kind == PipelineStepRef::Kind::backward && vs < virtual_count - 1) {
          const double dependency = backward_end[at(vs + 1, step.item)];
          if (dependency < 0) break;
          ready = std::max(ready, dependency + transfer(step));
        }
        now = ready + duration(s, step);
        if (step.kind == PipelineStepRef::Kind::forward) forward_end[at(vs, step.item)] = now;
        if (step.kind == PipelineStepRef::Kind::backward) backward_end[at(vs, step.item)] = now;
      }
    }
    if (!progressed) throw std::logic_error("pipeline_makespan_s: the steps wait on each other in a cycle");
  }
  return clock.empty() ? 0.0 : *std::max_element(clock.begin(), clock.end());
}

namespace {

// One item's times on one rank of a layout: per layer, and the first and last stage's
// extra work.
struct ItemTimes {
  double layer_forward_s = 0;
  double layer_backward_s = 0;  // the recompute it needs included
  double embedding_forward_s = 0;
  double embedding_backward_s = 0;
  double head_forward_s = 0;
  double head_backward_s = 0;
  double transfer_s = 0;  // the stage boundary tensor to the next stage
};

struct ShapeKey {
  std::vector<std::int64_t> seq_lens;
  std::int64_t kv_prefix = 0;
  bool operator==(const ShapeKey&) const = default;
};

struct ShapeKeyHash {
  std::size_t operator()(const ShapeKey& key) const {
    std::size_t h = std::hash<std::int64_t>{}(key.kv_prefix);
    for (std::int64_t v : key.seq_lens) h = h * 1000003u ^ std::hash<std::int64_t>{}(v);
    return h;
  }
};

// Everything item pricing depends on besides the shape.
std::string layout_key(const core::Scenario& s, const core::CommSpan& span, bool pp_intra_node) {
  const core::ParallelConfig& p = s.parallel;
  std::string key = s.model.id;
  for (const std::int64_t v :
       {static_cast<std::int64_t>(p.tp), static_cast<std::int64_t>(p.cp), static_cast<std::int64_t>(p.sequence_parallel),
        static_cast<std::int64_t>(s.strategy.recompute), static_cast<std::int64_t>(span.tp_nodes),
        static_cast<std::int64_t>(span.cp_nodes), static_cast<std::int64_t>(pp_intra_node),
        static_cast<std::int64_t>(s.sim.communication), static_cast<std::int64_t>(s.model.dtype),
        static_cast<std::int64_t>(s.model.layers), s.model.hidden}) {
    key += '|';
    key += std::to_string(v);
  }
  return key;
}

int node_of(const core::Scenario& s, int rank) { return rank / std::max(1, s.cluster.gpus_per_node); }

int nodes_spanned(const core::Scenario& s, const std::vector<int>& ranks) {
  std::set<int> nodes;
  for (int r : ranks) nodes.insert(node_of(s, r));
  return static_cast<int>(nodes.size());
}

}  // namespace

struct ConfigurationEstimator::Pricing {
  explicit Pricing(cost::CostModel model) : cost(std::move(model)) {}
  cost::CostModel cost;
  std::unordered_map<std::string, std::unordered_map<ShapeKey, ItemTimes, ShapeKeyHash>> items;  // by layout

  double price(const std::vector<core::OpPart>& parts, bool free_communication) const {
    double total = 0;
    for (const core::OpPart& part : parts) {
      if (free_communication && std::holds_alternative<core::CollectiveShape>(part)) continue;
      total += cost.time_s(part);
    }
    return total;
  }
};

ConfigurationEstimator::ConfigurationEstimator() = default;
ConfigurationEstimator::~ConfigurationEstimator() = default;

ConfigurationEstimator::Pricing& ConfigurationEstimator::pricing(const core::Scenario& s) {
  const std::string key = s.cluster.gpu.id + "|" + s.sim.device_profile + "|" +
                          std::to_string(s.cluster.nics_per_node) + "|" + std::to_string(s.cluster.gpus_per_node);
  auto it = pricing_.find(key);
  if (it == pricing_.end()) it = pricing_.emplace(key, std::make_unique<Pricing>(scenario_cost_model(s))).first;
  return *it->second;
}

double ConfigurationEstimator::model_flops(const core::Scenario& s, const std::vector<std::int64_t>& sequences) {
  std::size_t h = sequences.size();
  for (std::int64_t v : sequences) h = h * 1000003u ^ std::hash<std::int64_t>{}(v);
  const std::string key = s.model.id + "|" + std::to_string(h);
  auto it = model_flops_.find(key);
  if (it == model_flops_.end()) it = model_flops_.emplace(key, training_model_flops(s)).first;
  return it->second;
}

std::int64_t ConfigurationEstimator::memory_lower_bound(const core::Scenario& s,
                                                         const std::vector<std::int64_t>& sequences) const {
  return peak_memory_lower_bound(s, sequences);
}

ConfigurationEstimate ConfigurationEstimator::estimate(const core::Scenario& s,
                                                       const std::vector<std::int64_t>& sequences) {
  const core::ParallelConfig& par = s.parallel;
  const int p = par.pp;
  const int v = std::max(1, par.virtual_stages);
  const bool free_comm = s.sim.communication == core::Communication::free;
  const core::Recompute recompute = core::uniform_recompute(s.strategy.recompute).value_or(core::Recompute::none);
  const int first_rank = core::rank_of(par, core::RankCoord{});
  const core::CommSpan span = core::comm_span(s.cluster, par, first_rank);
  const bool pp_intra_node =
      p == 1 || node_of(s, first_rank) == node_of(s, core::rank_of(par, core::RankCoord{0, 0, 0, 1}));

  Pricing& pricing = this->pricing(s);
  auto& memo = pricing.items[layout_key(s, span, pp_intra_node)];
  const auto times_of = [&](const core::MicroBatchShape& shape) -> const ItemTimes& {
    const ShapeKey key{shape.seq_lens, shape.kv_prefix};
    auto it = memo.find(key);
    if (it != memo.end()) return it->second;
    ItemTimes t;
    t.layer_forward_s = pricing.price(core::layer_forward_parts(s.model, par, shape, span), free_comm);
    t.layer_backward_s =
        pricing.price(core::layer_backward_parts(s.model, par, shape, core::Recompute::none, span), free_comm) +
        pricing.price(core::layer_recompute_parts(s.model, par, shape, recompute, span), free_comm);
    t.embedding_forward_s = pricing.price(core::embedding_forward_parts(s.model, par, shape, span), free_comm);
    t.embedding_backward_s = pricing.price(core::embedding_backward_parts(s.model, par, shape, span), free_comm);
    t.head_forward_s = pricing.price(core::head_forward_parts(s.model, par, shape, span), free_comm);
    t.head_backward_s = pricing.price(core::head_backward_parts(s.model, par, shape, span), free_comm);
    if (p > 1 && !free_comm) {
      t.transfer_s = pricing.cost.p2p_time_s(static_cast<double>(core::stage_boundary_bytes(s.model, par, shape)),
                                             pp_intra_node);
    }
    return memo.emplace(key, t).first->second;
  };

  ConfigurationEstimate e;
  e.memory_lower_bound_bytes = peak_memory_lower_bound(s, sequences);

  // Per replica: the critical path of its schedule, and each rank's busy time.
  const int virtual_count = p * v;
  const int layers_per_step = std::max(1, s.model.layers / virtual_count);
  const std::vector<ReplicaPipeline> replicas = training_strategy(s.strategy.name).replica_pipelines(s, sequences);
  double slowest = 0;
  double pipelines = 0;
  double work_total = 0;  // over replicas and ranks, for the idle share
  for (const ReplicaPipeline& replica : replicas) {
    std::vector<const ItemTimes*> times;
    times.reserve(replica.items.size());
    for (const PipelineItem& item : replica.items) times.push_back(&times_of(item.shape));
    const auto duration = [&](int stage, const PipelineStepRef& step) {
      const ItemTimes& t = *times[static_cast<std::size_t>(step.item)];
      const int vs = step.model_chunk * p + stage;
      const bool backward = step.kind == PipelineStepRef::Kind::backward;
      double d = layers_per_step * (backward ? t.layer_backward_s : t.layer_forward_s);
      if (vs == 0) d += backward ? t.embedding_backward_s : t.embedding_forward_s;
      if (vs == virtual_count - 1) d += backward ? t.head_backward_s : t.head_forward_s;
      return d;
    };
    const auto transfer = [&](const PipelineStepRef& step) { return times[static_cast<std::size_t>(step.item)]->transfer_s; };
    const double pipeline = pipeline_makespan_s(replica.stages, v, duration, transfer);
    double busiest = 0;
    for (int stage = 0; stage < static_cast<int>(replica.stages.size()); ++stage) {
      double busy = 0;
      for (const PipelineStepRef& step : replica.stages[static_cast<std::size_t>(stage)]) busy += duration(stage, step);
      busiest = std::max(busiest, busy);
      work_total += busy;
    }
    pipelines += pipeline;
    if (pipeline > slowest) {
      slowest = pipeline;
      e.compute_s = busiest;
      e.bubble_s = pipeline - busiest;
    }
  }
  const double mean_pipeline = replicas.empty() ? 0 : pipelines / static_cast<double>(replicas.size());
  e.dp_imbalance = mean_pipeline > 0 ? slowest / mean_pipeline - 1.0 : 0.0;

  // The step after the pipeline, on the stage holding the most parameters.
  double step = 0;
  double sync = 0;
  for (const int stage : {0, p - 1}) {
    const std::int64_t params = core::params_on_rank(s.model, par, stage);
    const int rank = core::rank_of(par, core::RankCoord{0, 0, 0, stage});
    const std::vector<int> group = schedulers::training::gradient_group(par, rank).ranks;
    const int members = static_cast<int>(group.size());
    double stage_sync = 0;
    if (members > 1 && !free_comm) {
      const int nodes = nodes_spanned(s, group);
      const bool sharded = par.distributed_optimizer;
      const auto kind = sharded ? core::CollectiveKind::reduce_scatter : core::CollectiveKind::all_reduce;
      const double grad_bytes = static_cast<double>(params) * core::dtype_bytes(s.training.grad_reduce_dtype);
      double reduce = pricing.cost.collective(kind, grad_bytes, members, nodes).time_s;
      if (s.training.overlap_grad_reduce) {
        const double bucket = std::min(grad_bytes, s.training.grad_bucket_mb * 1e6);
        reduce = std::min(reduce, pricing.cost.collective(kind, bucket, members, nodes).time_s);
      }
      stage_sync += reduce;
      if (sharded && !s.training.overlap_param_gather) {
        stage_sync += pricing.cost
                          .collective(core::CollectiveKind::all_gather,
                                      static_cast<double>(params) * core::dtype_bytes(core::DType::bf16), members, nodes)
                          .time_s;
      }
    }
    const double optimizer = pricing.price(core::optimizer_parts(core::optimizer_params(params, par)), false);
    if (stage_sync + optimizer > sync + step) {
      sync = stage_sync;
      step = optimizer;
    }
  }
  e.step_s = step;
  e.exposed_communication_s += sync;
  e.iteration_time_s = slowest + sync + step;

  std::int64_t tokens = 0;
  for (std::int64_t len : sequences) tokens += len;
  if (e.iteration_time_s > 0) {
    e.tokens_per_s = static_cast<double>(tokens) / e.iteration_time_s;
    const double capacity = e.iteration_time_s * par.world_size() * s.cluster.gpu.peak_bf16_flops;
    if (capacity > 0) e.mfu = model_flops(s, sequences) / capacity;
    const double stages = static_cast<double>(p) * std::max<std::size_t>(1, replicas.size());
    e.bubble_ratio = std::clamp(1.0 - work_total / stages / e.iteration_time_s, 0.0, 1.0);
  }
  return e;
}

}  // namespace lcperf::runs
