#include "schedulers/training/megatron_program.hpp"

#include <algorithm>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "schedulers/training/pipeline_schedule.hpp"

namespace lcperf::schedulers::training {

namespace {

using core::Completion;
using core::KernelOp;
using core::MemoryTag;
using core::OpPart;
using core::Runtime;
using core::Tensor;

void append(std::vector<OpPart>& to, const std::vector<OpPart>& from) { to.insert(to.end(), from.begin(), from.end()); }

// Joins pieces by appending; GCC 12 warns falsely (-Wrestrict) on chained operator+
// that starts from a literal.
std::string cat(std::initializer_list<std::string_view> pieces) {
  std::string text;
  for (std::string_view p : pieces) text.append(p);
  return text;
}
std::string mb_suffix(int j) { return cat({" mb", std::to_string(j)}); }

// One rank's run. Built per invocation so the RankProgram stays a copyable value.
class MegatronRun {
 public:
  MegatronRun(const MegatronPlan& plan, Runtime& rt)
      : p_(plan), rt_(rt), coord_(core::coord_of(plan.parallel, plan.rank)) {
    const int pp = p_.parallel.pp;
    stage_ = coord_.pp;
    first_ = stage_ == 0;
    last_ = stage_ == pp - 1;
    layers_ = p_.model.layers / pp;
    first_layer_ = stage_ * layers_;
    if (!first_) prev_ = neighbour(stage_ - 1);
    if (!last_) next_ = neighbour(stage_ + 1);
    params_ = core::params_on_rank(p_.model, p_.parallel, stage_);
    boundary_ = core::stage_boundary_bytes(p_.model, p_.parallel, p_.batch);
    layer_bytes_ = core::layer_activation_bytes(p_.model, p_.parallel, p_.batch, p_.recompute, p_.activations);
    extra_bytes_ = core::stage_extra_activation_bytes(p_.model, p_.parallel, p_.batch, stage_, p_.activations);
    workspace_bytes_ = core::recompute_transient_bytes(p_.model, p_.parallel, p_.batch, p_.recompute, p_.activations);
    build_op_parts();
  }

  void run() {
    const int m = p_.parallel.num_micro_batches;
    const std::vector<PipelineStep> steps = make_pipeline_schedule(p_.schedule, p_.parallel.pp, stage_, m);
    rt_.log_decision("schedule", cat({"stage ", std::to_string(stage_), "/", std::to_string(p_.parallel.pp), " ",
                                      p_.schedule, ": ", to_string(steps)}));
    allocate_model_states();
    held_.assign(static_cast<std::size_t>(m), {});
    for (const PipelineStep& step : steps) {
      if (step.kind == PipelineStep::Kind::forward) {
        forward(step.micro_batch);
      } else {
        backward(step.micro_batch);
      }
    }
    flush_sends();
    reduce_gradients_and_step();
    rt_.synchronize();
    for (Tensor* t : {&weights_, &grads_, &embedding_grads_, &optimizer_}) release(*t);
  }

 private:
  int neighbour(int pp_stage) const {
    core::RankCoord c = coord_;
    c.pp = pp_stage;
    return core::rank_of(p_.parallel, c);
  }

  Tensor allocate(const std::string& name, std::int64_t bytes, MemoryTag tag) {
    if (bytes <= 0) return {};
    return rt_.allocate(core::bytes_tensor(name, bytes, tag));
  }
  void release(Tensor& t) {
    if (t.valid()) rt_.release(t);
    t = {};
  }
  Tensor boundary_tensor(const std::string& name, MemoryTag tag) {
    core::TensorDesc d;
    d.name = name;
    d.shape = {core::local_dims(p_.model, p_.parallel, p_.batch).seq_tokens, p_.model.hidden};
    d.dtype = p_.model.dtype;
    d.tag = tag;
    return rt_.allocate(d);
  }

  // Regions are launched from prebuilt ops (only the name and micro-batch change), so
  // their parts are not copied for every launch.
  void launch(std::string name, const char* category, std::vector<OpPart>& parts, int j) {
    if (parts.empty()) return;
    scratch_.name = std::move(name);
    scratch_.category = category;
    scratch_.parts.swap(parts);
    scratch_.micro_batch = j;
    last_compute_ = rt_.launch(scratch_, core::kComputeStream);
    scratch_.parts.swap(parts);
  }

  // Every micro-batch has the same shape, so each region's parts are built once. The
  // recompute parts are launched as their own ops so timelines can total them.
  void build_op_parts() {
    const auto& model = p_.model;
    const auto& par = p_.parallel;
    const auto& batch = p_.batch;
    layer_fwd_ = core::layer_forward_parts(model, par, batch, p_.span);
    layer_bwd_ = core::layer_backward_parts(model, par, batch, core::Recompute::none, p_.span);
    layer_recompute_ = core::layer_recompute_parts(model, par, batch, p_.recompute, p_.span);
    if (first_) embedding_fwd_ = core::embedding_forward_parts(model, par, batch, p_.span);
    if (first_) embedding_bwd_ = core::embedding_backward_parts(model, par, batch, p_.span);
    if (last_) head_fwd_ = core::head_forward_parts(model, par, batch, p_.span);
    if (last_) head_bwd_ = core::head_backward_parts(model, par, batch, p_.span);
    if (p_.per_layer_ops) return;
    stage_fwd_ = embedding_fwd_;
    stage_bwd_ = head_bwd_;
    for (int l = 0; l < layers_; ++l) {
      append(stage_fwd_, layer_fwd_);
      append(stage_bwd_, layer_bwd_);
      append(stage_recompute_, layer_recompute_);
    }
    append(stage_fwd_, head_fwd_);
    append(stage_bwd_, embedding_bwd_);
  }

  // Sends run on their own stream; their buffers are freed once the next step has
  // posted its receive (see header).
  void flush_sends() {
    for (auto& [done, buffer] : pending_sends_) {
      rt_.wait(done);
      release(buffer);
    }
    pending_sends_.clear();
  }

  void allocate_model_states() {
    weights_ = rt_.allocate({"weights", {params_}, core::DType::bf16, MemoryTag::weights});
    // A tied embedding living on two stages gets its own gradient buffer, reduced
    // between the two stages before the data-parallel reduction.
    std::int64_t embedding = 0;
    if (tied_copy()) embedding = core::local_dims(p_.model, p_.parallel, p_.batch).vocab * p_.model.hidden;
    grads_ = rt_.allocate({"grads", {params_ - embedding}, core::DType::fp32, MemoryTag::gradients});
    if (embedding > 0) {
      embedding_grads_ = rt_.allocate({"grads.embedding", {embedding}, core::DType::fp32, MemoryTag::gradients});
    }
    const std::int64_t opt = core::optimizer_params(params_, p_.parallel);
    optimizer_ = rt_.allocate({"optimizer", {3 * opt}, core::DType::fp32, MemoryTag::optimizer});
  }
  bool tied_copy() const { return p_.model.tied_embeddings && p_.parallel.pp > 1 && (first_ || last_); }

  std::string layer_range() const {
    return cat({"L", std::to_string(first_layer_), "-", std::to_string(first_layer_ + layers_ - 1)});
  }

  void forward(int j) {
    Completion received;
    std::vector<Tensor>& held = held_[static_cast<std::size_t>(j)];
    if (!first_) {
      held.push_back(boundary_tensor(cat({"act_in", mb_suffix(j)}), MemoryTag::activations));
      received = rt_.recv(held.back(), prev_, core::kRecvStream, p2p_tag(j, false));
    }
    flush_sends();
    rt_.wait(received);

    // The stage input is already held on later stages; the first stage's embedding
    // writes layer 0's input, which layer 0's bytes include.
    const std::int64_t input_held = first_ ? 0 : boundary_;
    if (p_.per_layer_ops) {
      if (first_) launch(cat({"fwd embed", mb_suffix(j)}), "forward", embedding_fwd_, j);
      for (int l = 0; l < layers_; ++l) {
        const std::string name = cat({"L", std::to_string(first_layer_ + l), mb_suffix(j)});
        held.push_back(allocate(cat({"act ", name}), layer_bytes_ - (l == 0 ? input_held : 0), MemoryTag::activations));
        launch(cat({"fwd ", name}), "forward", layer_fwd_, j);
      }
      held.push_back(allocate(cat({"act extra", mb_suffix(j)}), extra_bytes_, MemoryTag::activations));
      if (last_) launch(cat({"fwd head", mb_suffix(j)}), "forward", head_fwd_, j);
    } else {
      held.push_back(allocate(cat({"act ", layer_range(), mb_suffix(j)}),
                              layers_ * layer_bytes_ + extra_bytes_ - input_held, MemoryTag::activations));
      launch(cat({"fwd ", layer_range(), mb_suffix(j)}), "forward", stage_fwd_, j);
    }

    if (!last_) {
      Tensor out = boundary_tensor(cat({"act_out", mb_suffix(j)}), MemoryTag::comm_buffer);
      rt_.wait(last_compute_);  // the send stream does not order itself after compute
      pending_sends_.push_back({rt_.send(out, next_, core::kSendStream, p2p_tag(j, false)), out});
    }
  }

  void backward(int j) {
    Completion received;
    Tensor grad_in;
    if (!last_) {
      grad_in = boundary_tensor(cat({"grad_in", mb_suffix(j)}), MemoryTag::comm_buffer);
      received = rt_.recv(grad_in, next_, core::kRecvStream, p2p_tag(j, true));
    }
    flush_sends();
    rt_.wait(received);
    Tensor workspace = allocate(cat({"recompute", mb_suffix(j)}), workspace_bytes_, MemoryTag::activations);

    if (p_.per_layer_ops) {
      if (last_) launch(cat({"bwd head", mb_suffix(j)}), "backward", head_bwd_, j);
      for (int l = layers_ - 1; l >= 0; --l) {
        const std::string name = cat({"L", std::to_string(first_layer_ + l), mb_suffix(j)});
        launch(cat({"recompute ", name}), "recompute", layer_recompute_, j);
        launch(cat({"bwd ", name}), "backward", layer_bwd_, j);
      }
      if (first_) launch(cat({"bwd embed", mb_suffix(j)}), "backward", embedding_bwd_, j);
    } else {
      launch(cat({"recompute ", layer_range(), mb_suffix(j)}), "recompute", stage_recompute_, j);
      launch(cat({"bwd ", layer_range(), mb_suffix(j)}), "backward", stage_bwd_, j);
    }

    // Buffers the backward reads may go once it has run.
    rt_.wait(last_compute_);
    for (Tensor& t : held_[static_cast<std::size_t>(j)]) release(t);
    held_[static_cast<std::size_t>(j)].clear();
    release(workspace);
    release(grad_in);
    if (!first_) {
      Tensor grad_out = boundary_tensor(cat({"grad_out", mb_suffix(j)}), MemoryTag::comm_buffer);
      pending_sends_.push_back({rt_.send(grad_out, prev_, core::kSendStream, p2p_tag(j, true)), grad_out});
    }
  }

  void reduce_gradients_and_step() {
    rt_.wait(last_compute_);
    if (embedding_grads_.valid()) {
      const std::vector<int> stages = core::pp_group(p_.parallel, p_.rank);
      const core::CommGroup tied{"embedding", {stages.front(), stages.back()}};
      rt_.wait(rt_.collective(core::CollectiveKind::all_reduce, tied, embedding_grads_, core::kCollectiveStream));
    }
    const core::CommGroup group = gradient_group(p_.parallel, p_.rank);
    const bool reduce = group.ranks.size() > 1;
    const bool sharded = p_.parallel.distributed_optimizer && reduce;
    std::vector<Completion> reductions;
    for (const Tensor* g : {&grads_, &embedding_grads_}) {
      if (!reduce || !g->valid()) continue;
      const auto kind = sharded ? core::CollectiveKind::reduce_scatter : core::CollectiveKind::all_reduce;
      reductions.push_back(rt_.collective(kind, group, *g, core::kCollectiveStream));
    }
    rt_.wait_all(reductions);
    std::vector<OpPart> step = core::optimizer_parts(core::optimizer_params(params_, p_.parallel));
    launch("optimizer", "optimizer", step, -1);
    if (sharded) {  // every rank updated its shard; gather the new bf16 weights
      rt_.wait(last_compute_);
      rt_.wait(rt_.collective(core::CollectiveKind::all_gather, group, weights_, core::kCollectiveStream));
    }
  }

  const MegatronPlan& p_;
  Runtime& rt_;
  core::RankCoord coord_;
  int stage_ = 0;
  bool first_ = true;
  bool last_ = true;
  int layers_ = 0;
  int first_layer_ = 0;
  int prev_ = -1;
  int next_ = -1;
  std::int64_t params_ = 0;
  std::int64_t boundary_ = 0;
  std::int64_t layer_bytes_ = 0;
  std::int64_t extra_bytes_ = 0;
  std::int64_t workspace_bytes_ = 0;
  Tensor weights_;
  Tensor grads_;
  Tensor embedding_grads_;
  Tensor optimizer_;
  Completion last_compute_;
  KernelOp scratch_;
  std::vector<OpPart> layer_fwd_, layer_bwd_, layer_recompute_;
  std::vector<OpPart> embedding_fwd_, embedding_bwd_, head_fwd_, head_bwd_;
  std::vector<OpPart> stage_fwd_, stage_bwd_, stage_recompute_;
  std::vector<std::vector<Tensor>> held_;  // per micro-batch: activations kept for backward
  std::vector<std::pair<Completion, Tensor>> pending_sends_;
};

}  // namespace

MegatronPlan make_megatron_plan(const core::Scenario& scenario, int rank) {
  const std::string where = scenario.source_path.empty() ? scenario.name : scenario.source_path;
  if (scenario.workload.kind != "fixed_length") {
    throw core::InputError(where + ": workload.kind \"" + scenario.workload.kind +
                           "\" is not supported by the megatron baseline (known: fixed_length)");
  }
  if (scenario.parallel.virtual_stages != 1) {
    throw core::InputError(where + ": parallel.virtual_stages > 1 (interleaved 1F1B) is not built yet");
  }
  if (scenario.sim.granularity != "layer" && scenario.sim.granularity != "stage") {
    throw core::InputError(where + ": sim.granularity must be \"layer\" or \"stage\" (got \"" +
                           scenario.sim.granularity + "\")");
  }
  if (rank < 0 || rank >= scenario.parallel.world_size()) {
    throw core::InputError(where + ": rank " + std::to_string(rank) + " outside the parallel config's " +
                           std::to_string(scenario.parallel.world_size()) + " ranks");
  }
  MegatronPlan plan;
  plan.model = scenario.model;
  plan.parallel = scenario.parallel;
  plan.batch.seq_lens.assign(static_cast<std::size_t>(scenario.parallel.micro_batch_size), scenario.workload.seq_len);
  plan.schedule = scenario.strategy.schedule;
  plan.recompute = core::parse_recompute(scenario.strategy.recompute);
  plan.per_layer_ops = scenario.sim.granularity == "layer";
  plan.span = core::comm_span(scenario.cluster, scenario.parallel, rank);
  plan.rank = rank;
  // Checks the schedule name now rather than inside the run.
  (void)core::max_in_flight_micro_batches(plan.schedule, plan.parallel.pp, 0, plan.parallel.num_micro_batches);
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

}  // namespace lcperf::schedulers::training
