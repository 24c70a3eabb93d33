#include "schedulers/training/megatron_program.hpp"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/units.hpp"
#include "schedulers/training/grad_buckets.hpp"
#include "schedulers/training/pipeline_schedule.hpp"
#include "schedulers/training/stage_rank.hpp"
#include "schedulers/training/training_batch.hpp"

namespace lcperf::schedulers::training {

namespace {

using core::Completion;
using core::KernelOp;
using core::MemoryTag;
using core::OpPart;
using core::Runtime;
using core::Tensor;


// One rank's run. Built per invocation so the RankProgram stays a copyable value.
class MegatronRun : private StageRank {
 public:
  MegatronRun(const MegatronPlan& plan, Runtime& rt)
      : StageRank(plan, rt, plan.model.layers / (plan.parallel.pp * plan.parallel.virtual_stages)) {
    const int pp = p_.parallel.pp;
    v_ = p_.parallel.virtual_stages;
    layers_per_chunk_ = layers_per_region_;
    // Sizes that depend on the virtual stage (embedding, head) use a pipeline of p*v.
    virtual_parallel_ = p_.parallel;
    virtual_parallel_.pp = pp * v_;
    virtual_parallel_.virtual_stages = 1;
  }

  void run() {
    const int m = static_cast<int>(p_.micro_batches.size());
    const std::vector<PipelineStep> steps =
        make_pipeline_schedule(p_.schedule, p_.parallel.pp, stage_, m, p_.parallel.virtual_stages);
    rt_.log_decision("schedule", cat({"stage ", std::to_string(stage_), "/", std::to_string(p_.parallel.pp), " ",
                                      to_string(p_.schedule), ": ", to_string(steps)}));
    if (p_.micro_batches.size() > 1 && p_.micro_batches.front().seq_lens != p_.micro_batches.back().seq_lens) {
      rt_.log_decision("micro_batches", describe_micro_batches());
    }
    allocate_model_states();
    held_.assign(static_cast<std::size_t>(m * v_), {});
    last_backward_.assign(static_cast<std::size_t>(v_), -1);
    for (const PipelineStep& step : steps) {
      if (step.kind != PipelineStep::Kind::forward) last_backward_[static_cast<std::size_t>(step.model_chunk)] = step.micro_batch;
    }
    if (p_.step.overlap_param_gather) gather_parameters_early();
    for (const PipelineStep& step : steps) {
      if (step.kind == PipelineStep::Kind::forward) {
        forward(step.micro_batch, step.model_chunk);
      } else {
        backward(step.micro_batch, step.model_chunk);
      }
    }
    flush_sends();
    reduce_gradients_and_step();
    rt_.synchronize();
    release_model_states();
  }

 private:
  // Virtual stage of this rank's chunk c, and its neighbours' ranks.
  int virtual_stage(int c) const { return c * p_.parallel.pp + stage_; }
  int last_virtual_stage() const { return p_.parallel.pp * v_ - 1; }
  int rank_of_virtual_stage(int vs) const {
    core::RankCoord c = coord_;
    c.pp = vs % p_.parallel.pp;
    return core::rank_of(p_.parallel, c);
  }
  // Where chunk c of this rank sits: its virtual stage, whether it holds the embedding
  // (first) or the head (last), and the region edge bits of ShapeWork.
  struct Position {
    int vs;
    bool first;
    bool last;
    int edge;
  };
  Position position(int c) const {
    const int vs = virtual_stage(c);
    const bool first = vs == 0;
    const bool last = vs == last_virtual_stage();
    return {vs, first, last, (first ? 1 : 0) | (last ? 2 : 0)};
  }

  int tag(int j, int boundary, bool grad) const { return p2p_tag(j, boundary, last_virtual_stage(), grad); }

  std::string describe_micro_batches() const {
    std::string text = cat({"dp ", std::to_string(coord_.dp), ": ", std::to_string(p_.micro_batches.size()),
                            " micro-batches, tokens"});
    for (const core::MicroBatchShape& b : p_.micro_batches) text.append(" ").append(std::to_string(b.tokens()));
    return text;
  }

  ShapeWork& work(int j) { return StageRank::work(p_.micro_batches[static_cast<std::size_t>(j)]); }

  std::string layer_range(int c) const {
    const int first = virtual_stage(c) * layers_per_chunk_;
    return cat({"L", std::to_string(first), "-", std::to_string(first + layers_per_chunk_ - 1)});
  }

  // Units of chunk c (forward order) and its gradient buckets (over units in backward
  // order), see grad_buckets.hpp.
  std::vector<std::int64_t> units(int c) const {
    const Position pos = position(c);
    return chunk_unit_params(p_.model, p_.parallel, stage_, layers_per_chunk_, pos.first, pos.last, p_.per_layer_ops);
  }
  std::vector<GradBucket> buckets(const std::vector<std::int64_t>& forward_units) const {
    const std::vector<std::int64_t> backward_units(forward_units.rbegin(), forward_units.rend());
    const auto bytes = static_cast<double>(core::dtype_bytes(p_.step.grad_reduce_dtype));
    const auto bucket_params = static_cast<std::int64_t>(p_.step.grad_bucket_mb * 1e6 / bytes);
    return make_grad_buckets(backward_units, std::max<std::int64_t>(1, bucket_params));
  }
  std::string bucket_name(const char* what, int c, std::size_t b) const {
    return cat({what, " chunk", std::to_string(c), " bucket", std::to_string(b)});
  }

  // Steady state of overlap_param_gather: the previous step's parameter all-gathers run
  // while this iteration's forward starts, bucket by bucket in forward order; a unit's
  // first forward waits for its bucket.
  void gather_parameters_early() {
    params_ready_.assign(static_cast<std::size_t>(v_), {});
    for (int c = 0; c < v_; ++c) {
      const std::vector<std::int64_t> u = units(c);
      const std::vector<GradBucket> b = buckets(u);
      auto& ready = params_ready_[static_cast<std::size_t>(c)];
      ready.assign(u.size(), {});
      const int n = static_cast<int>(u.size());
      for (std::size_t i = b.size(); i-- > 0;) {  // the bucket of the first forward units first
        const Completion done = gather_bucket(bucket_name("params", c, i), b[i].params);
        for (int unit = b[i].first_unit; unit <= b[i].last_unit; ++unit) ready[static_cast<std::size_t>(n - 1 - unit)] = done;
      }
    }
  }
  void wait_params(int c, std::size_t forward_unit) {
    if (params_ready_.empty()) return;
    auto& ready = params_ready_[static_cast<std::size_t>(c)];
    if (forward_unit >= ready.size() || ready[forward_unit].id == 0) return;
    rt_.wait(ready[forward_unit]);
    ready[forward_unit] = {};  // later micro-batches find the parameters in place
  }

  void forward(int j, int c) {
    ShapeWork& w = work(j);
    const auto [vs, first, last, edge] = position(c);
    Completion received;
    std::vector<Tensor>& held = held_[static_cast<std::size_t>(j * v_ + c)];
    if (!first) {
      held.push_back(boundary_tensor(cat({"act_in", mb_suffix(j)}), w, MemoryTag::activations));
      received = rt_.recv(held.back(), rank_of_virtual_stage(vs - 1), core::kRecvStream, tag(j, vs - 1, false));
    }
    flush_sends();
    rt_.wait(received);

    static const std::vector<OpPart> kNone;
    // The stage input is already held on later stages; the first stage's embedding
    // writes layer 0's input, which layer 0's bytes include.
    const std::int64_t input_held = first ? 0 : w.boundary;
    const std::int64_t extra =
        p_.planner ? 0
                   : core::stage_extra_activation_bytes(p_.model, virtual_parallel_,
                                                        p_.micro_batches[static_cast<std::size_t>(j)], vs, p_.activations);
    if (p_.planner) held.push_back(allocate(cat({"act planned", mb_suffix(j)}), w.planned_bytes - input_held,
                                            MemoryTag::activations));
    std::size_t unit = 0;
    if (p_.per_layer_ops) {
      if (first) {
        wait_params(c, unit++);
        launch(cat({"fwd embed", mb_suffix(j)}), "forward", w.embedding_fwd, j);
      }
      for (int l = 0; l < layers_per_chunk_; ++l) {
        const std::string name = cat({"L", std::to_string(vs * layers_per_chunk_ + l), mb_suffix(j)});
        held.push_back(allocate(cat({"act ", name}), w.layer_bytes - (l == 0 ? input_held : 0), MemoryTag::activations));
        wait_params(c, unit++);
        launch(cat({"fwd ", name}), "forward", w.layer_fwd, j);
      }
      held.push_back(allocate(cat({"act extra", mb_suffix(j)}), extra, MemoryTag::activations));
      if (last) {
        wait_params(c, unit++);
        launch(cat({"fwd head", mb_suffix(j)}), "forward", w.head_fwd, j);
      }
    } else {
      held.push_back(allocate(cat({"act ", layer_range(c), mb_suffix(j)}),
                              layers_per_chunk_ * w.layer_bytes + extra - input_held, MemoryTag::activations));
      wait_params(c, unit++);
      launch(cat({"fwd ", layer_range(c), mb_suffix(j)}), "forward",
             region(w.chunk_fwd, edge, first ? w.embedding_fwd : kNone, w.layer_fwd, last ? w.head_fwd : kNone), j);
    }

    if (!last) {
      send_later(boundary_tensor(cat({"act_out", mb_suffix(j)}), w, MemoryTag::comm_buffer),
                 rank_of_virtual_stage(vs + 1), tag(j, vs, false));
    }
  }

  void backward(int j, int c) {
    ShapeWork& w = work(j);
    const auto [vs, first, last, edge] = position(c);
    Completion received;
    Tensor grad_in;
    if (!last) {
      grad_in = boundary_tensor(cat({"grad_in", mb_suffix(j)}), w, MemoryTag::comm_buffer);
      received = rt_.recv(grad_in, rank_of_virtual_stage(vs + 1), core::kRecvStream, tag(j, vs, true));
    }
    flush_sends();
    rt_.wait(received);
    Tensor workspace = allocate(cat({"recompute", mb_suffix(j)}), w.workspace_bytes, MemoryTag::activations);

    static const std::vector<OpPart> kNone;
    // When each unit's gradients are complete (backward order), for the buckets.
    std::vector<Completion> unit_done;
    launch(cat({"recompute planned", mb_suffix(j)}), "recompute", w.planned_recompute, j);
    if (p_.per_layer_ops) {
      if (last) {
        launch(cat({"bwd head", mb_suffix(j)}), "backward", w.head_bwd, j);
        unit_done.push_back(last_compute_);
      }
      for (int l = layers_per_chunk_ - 1; l >= 0; --l) {
        const std::string name = cat({"L", std::to_string(vs * layers_per_chunk_ + l), mb_suffix(j)});
        launch(cat({"recompute ", name}), "recompute", w.layer_recompute, j);
        launch(cat({"bwd ", name}), "backward", w.layer_bwd, j);
        unit_done.push_back(last_compute_);
      }
      if (first) {
        launch(cat({"bwd embed", mb_suffix(j)}), "backward", w.embedding_bwd, j);
        unit_done.push_back(last_compute_);
      }
    } else {
      launch(cat({"recompute ", layer_range(c), mb_suffix(j)}), "recompute",
             region(w.chunk_recompute, 0, kNone, w.layer_recompute, kNone), j);
      launch(cat({"bwd ", layer_range(c), mb_suffix(j)}), "backward",
             region(w.chunk_bwd, edge, last ? w.head_bwd : kNone, w.layer_bwd, first ? w.embedding_bwd : kNone), j);
      unit_done.push_back(last_compute_);
    }
    // The chunk's last micro-batch completes its gradients: each bucket's reduction
    // starts on the collective stream as soon as the backward of its last unit has
    // run, while the rest of the backward goes on.
    if (p_.step.overlap_grad_reduce && j == last_backward_[static_cast<std::size_t>(c)]) {
      const std::vector<GradBucket> b = buckets(units(c));
      for (std::size_t i = 0; i < b.size(); ++i) {
        const std::size_t ready = std::min(static_cast<std::size_t>(b[i].last_unit), unit_done.size() - 1);
        rt_.wait(unit_done[ready]);
        reduce_bucket(bucket_name("grads", c, i), b[i].params);
      }
    }

    // Buffers the backward reads may go once it has run.
    rt_.wait(last_compute_);
    for (Tensor& t : held_[static_cast<std::size_t>(j * v_ + c)]) release(t);
    held_[static_cast<std::size_t>(j * v_ + c)].clear();
    release(workspace);
    release(grad_in);
    if (!first) {
      send_later(boundary_tensor(cat({"grad_out", mb_suffix(j)}), w, MemoryTag::comm_buffer),
                 rank_of_virtual_stage(vs - 1), tag(j, vs - 1, true));
    }
  }

  core::ParallelConfig virtual_parallel_;
  int v_ = 1;
  int layers_per_chunk_ = 0;
  std::vector<std::vector<Tensor>> held_;  // per (micro-batch, chunk): activations kept for backward
  std::vector<int> last_backward_;         // per chunk: the micro-batch whose backward completes its gradients
  std::vector<std::vector<Completion>> params_ready_;  // per chunk and forward unit: its parameters' all-gather
};

}  // namespace

namespace {

// What the baseline models. A value outside these (an enum value added later, or a cast
// that no loaded scenario holds) is an input error, not undefined behaviour.
bool models_workload(core::WorkloadKind kind) {
  switch (kind) {
    case core::WorkloadKind::fixed_length:
    case core::WorkloadKind::dataset:
      return true;
  }
  return false;
}

bool models_granularity(core::Granularity granularity) {
  switch (granularity) {
    case core::Granularity::layer:
    case core::Granularity::stage:
      return true;
  }
  return false;
}

// The activation budget of one micro-batch: HBM after the model states, shared by the
// micro-batches the stage holds at once (strategy.activation_budget_gib overrides it).
void attach_planner(MegatronPlan& plan, const core::Scenario& scenario) {
  const std::string where = scenario.source_path.empty() ? scenario.name : scenario.source_path;
  if (plan.parallel.cp != 1 || plan.parallel.virtual_stages != 1) {
    throw core::InputError(where + ": strategy.recompute \"planner\" needs cp = 1 and no virtual stages");
  }
  const int stage = core::coord_of(plan.parallel, plan.rank).pp;
  std::int64_t longest = 0;
  for (const core::MicroBatchShape& b : plan.micro_batches) longest = std::max(longest, b.tokens());
  plan.planner = stage_planner(plan.model, plan.parallel, stage, longest);
  if (scenario.strategy.activation_budget_gib > 0) {
    plan.activation_budget = static_cast<std::int64_t>(scenario.strategy.activation_budget_gib * kGiB);
    return;
  }
  const std::int64_t params = core::params_on_rank(plan.model, plan.parallel, stage);
  const std::int64_t states =
      core::weight_bytes(params) + core::gradient_bytes(params) + core::optimizer_bytes(params, plan.parallel);
  const int in_flight = max_in_flight(make_pipeline_schedule(plan.schedule, plan.parallel.pp, stage,
                                                             static_cast<int>(plan.micro_batches.size())));
  plan.activation_budget =
      (static_cast<std::int64_t>(scenario.cluster.gpu.hbm_bytes) - states) / std::max(1, in_flight);
}

}  // namespace

MegatronPlan make_megatron_plan(const core::Scenario& scenario, int rank) {
  return make_megatron_plan(scenario, rank, {});
}

MegatronPlan make_megatron_plan(const core::Scenario& scenario, int rank, const std::vector<std::int64_t>& global_batch) {
  const std::string where = scenario.source_path.empty() ? scenario.name : scenario.source_path;
  if (!models_workload(scenario.workload.kind)) {
    throw core::InputError(where + ": workload.kind \"" + std::string(to_string(scenario.workload.kind)) +
                           "\" is not supported by the megatron baseline (known: fixed_length, dataset)");
  }
  if (!models_granularity(scenario.sim.granularity)) {
    throw core::InputError(where + ": sim.granularity must be \"layer\" or \"stage\" (got \"" +
                           std::string(to_string(scenario.sim.granularity)) + "\")");
  }
  if (rank < 0 || rank >= scenario.parallel.world_size()) {
    throw core::InputError(where + ": rank " + std::to_string(rank) + " outside the parallel config's " +
                           std::to_string(scenario.parallel.world_size()) + " ranks");
  }
  MegatronPlan plan;
  plan.model = scenario.model;
  plan.parallel = scenario.parallel;
  plan.micro_batches = megatron_micro_batches(scenario, core::coord_of(scenario.parallel, rank).dp, global_batch);
  plan.batch = plan.micro_batches.front();
  plan.parallel.num_micro_batches = static_cast<int>(plan.micro_batches.size());
  plan.schedule = scenario.strategy.schedule;
  const bool planner = scenario.strategy.recompute == core::RecomputePolicy::planner;
  // The planner's layers start from no recompute; its plan regenerates what it chooses.
  plan.recompute = core::uniform_recompute(scenario.strategy.recompute).value_or(core::Recompute::none);
  plan.activations = core::activation_model_of(scenario.model.kernels);
  plan.per_layer_ops = scenario.sim.granularity == core::Granularity::layer;
  plan.span = core::comm_span(scenario.cluster, scenario.parallel, rank);
  plan.rank = rank;
  plan.step = scenario.training;
  plan.world_nodes = std::max(1, (scenario.parallel.world_size() + scenario.cluster.gpus_per_node - 1) /
                                     std::max(1, scenario.cluster.gpus_per_node));
  // Checks the schedule (name, virtual stages, micro-batch count) now rather than
  // inside the run.
  (void)make_pipeline_schedule(plan.schedule, plan.parallel.pp, 0, static_cast<int>(plan.micro_batches.size()),
                               plan.parallel.virtual_stages);
  if (planner) attach_planner(plan, scenario);
  return plan;
}

core::CommGroup gradient_group(const core::ParallelConfig& parallel, int rank) {
  std::vector<int> ranks;
  for (int cp_peer : core::cp_group(parallel, rank)) {
    for (int r : core::dp_group(parallel, cp_peer)) ranks.push_back(r);
  }
  std::sort(ranks.begin(), ranks.end());
  return core::CommGroup{parallel.cp > 1 ? "dp_cp" : "dp", ranks};
}

core::RankProgram make_megatron_rank_program(const MegatronPlan& plan) {
  return [plan](Runtime& rt) { MegatronRun(plan, rt).run(); };
}

core::RankProgram make_megatron_rank_program(const core::Scenario& scenario, int rank) {
  return make_megatron_rank_program(make_megatron_plan(scenario, rank));
}

core::RankProgram make_megatron_rank_program(const core::Scenario& scenario, int rank,
                                             const std::vector<std::int64_t>& global_batch) {
  return make_megatron_rank_program(make_megatron_plan(scenario, rank, global_batch));
}

}  // namespace lcperf::schedulers::training
