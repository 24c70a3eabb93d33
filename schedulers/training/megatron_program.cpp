#include "schedulers/training/megatron_program.hpp"

#include <algorithm>
#include <initializer_list>
#include <map>
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

// What a micro-batch of one shape costs this rank: sizes and the op parts of each
// region, built once per distinct shape (fixed-length workloads have one shape).
struct ShapeWork {
  std::int64_t boundary = 0;
  std::int64_t boundary_tokens = 0;
  std::int64_t layer_bytes = 0;
  std::int64_t workspace_bytes = 0;
  std::vector<OpPart> layer_fwd, layer_bwd, layer_recompute;
  std::vector<OpPart> embedding_fwd, embedding_bwd, head_fwd, head_bwd;
  // Whole-chunk regions (stage granularity), by edge: bit 0 = holds the embedding,
  // bit 1 = holds the head.
  std::map<int, std::vector<OpPart>> chunk_fwd, chunk_bwd, chunk_recompute;
};

// One rank's run. Built per invocation so the RankProgram stays a copyable value.
class MegatronRun {
 public:
  MegatronRun(const MegatronPlan& plan, Runtime& rt)
      : p_(plan), rt_(rt), coord_(core::coord_of(plan.parallel, plan.rank)) {
    const int pp = p_.parallel.pp;
    v_ = p_.parallel.virtual_stages;
    stage_ = coord_.pp;
    layers_per_chunk_ = p_.model.layers / (pp * v_);
    params_ = core::params_on_rank(p_.model, p_.parallel, stage_);
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
                                      p_.schedule, ": ", to_string(steps)}));
    if (p_.micro_batches.size() > 1 && p_.micro_batches.front().seq_lens != p_.micro_batches.back().seq_lens) {
      rt_.log_decision("micro_batches", describe_micro_batches());
    }
    allocate_model_states();
    held_.assign(static_cast<std::size_t>(m * v_), {});
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
    for (Tensor* t : {&weights_, &grads_, &embedding_grads_, &optimizer_}) release(*t);
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
  int tag(int j, int boundary, bool grad) const { return p2p_tag(j, boundary, last_virtual_stage(), grad); }

  std::string describe_micro_batches() const {
    std::string text = cat({"dp ", std::to_string(coord_.dp), ": ", std::to_string(p_.micro_batches.size()),
                            " micro-batches, tokens"});
    for (const core::MicroBatchShape& b : p_.micro_batches) text.append(" ").append(std::to_string(b.tokens()));
    return text;
  }

  ShapeWork& work(int j) {
    const core::MicroBatchShape& batch = p_.micro_batches[static_cast<std::size_t>(j)];
    auto it = shapes_.find(batch.seq_lens);
    if (it != shapes_.end()) return it->second;
    const auto& model = p_.model;
    const auto& par = p_.parallel;
    ShapeWork w;
    w.boundary = core::stage_boundary_bytes(model, par, batch);
    w.boundary_tokens = core::local_dims(model, par, batch).seq_tokens;
    w.layer_bytes = core::layer_activation_bytes(model, par, batch, p_.recompute, p_.activations);
    w.workspace_bytes = core::recompute_transient_bytes(model, par, batch, p_.recompute, p_.activations);
    // The recompute parts are launched as their own ops so timelines can total them.
    w.layer_fwd = core::layer_forward_parts(model, par, batch, p_.span);
    w.layer_bwd = core::layer_backward_parts(model, par, batch, core::Recompute::none, p_.span);
    w.layer_recompute = core::layer_recompute_parts(model, par, batch, p_.recompute, p_.span);
    w.embedding_fwd = core::embedding_forward_parts(model, par, batch, p_.span);
    w.embedding_bwd = core::embedding_backward_parts(model, par, batch, p_.span);
    w.head_fwd = core::head_forward_parts(model, par, batch, p_.span);
    w.head_bwd = core::head_backward_parts(model, par, batch, p_.span);
    return shapes_.emplace(batch.seq_lens, std::move(w)).first->second;
  }

  Tensor allocate(const std::string& name, std::int64_t bytes, MemoryTag tag_of) {
    if (bytes <= 0) return {};
    return rt_.allocate(core::bytes_tensor(name, bytes, tag_of));
  }
  void release(Tensor& t) {
    if (t.valid()) rt_.release(t);
    t = {};
  }
  Tensor boundary_tensor(const std::string& name, const ShapeWork& w, MemoryTag tag_of) {
    core::TensorDesc d;
    d.name = name;
    d.shape = {w.boundary_tokens, p_.model.hidden};
    d.dtype = p_.model.dtype;
    d.tag = tag_of;
    return rt_.allocate(d);
  }

  // Regions are launched from prebuilt parts (only the name and micro-batch change);
  // the parts are lent to the op and taken back, never copied per launch.
  void launch(std::string name, const char* category, std::vector<OpPart>& parts, int j) {
    if (parts.empty()) return;
    scratch_.name = std::move(name);
    scratch_.category = category;
    scratch_.parts.swap(parts);
    scratch_.micro_batch = j;
    last_compute_ = rt_.launch(scratch_, core::kComputeStream);
    scratch_.parts.swap(parts);
  }
  // A whole chunk as one region (stage granularity): first, the middle repeated for
  // every layer, last; built once per shape and edge.
  std::vector<OpPart>& chunk_region(std::map<int, std::vector<OpPart>>& cache, int edge,
                                    const std::vector<OpPart>& first, const std::vector<OpPart>& middle,
                                    const std::vector<OpPart>& last) {
    auto [it, fresh] = cache.try_emplace(edge);
    if (fresh) {
      append(it->second, first);
      for (int l = 0; l < layers_per_chunk_; ++l) append(it->second, middle);
      append(it->second, last);
    }
    return it->second;
  }

  std::string layer_range(int c) const {
    const int first = virtual_stage(c) * layers_per_chunk_;
    return cat({"L", std::to_string(first), "-", std::to_string(first + layers_per_chunk_ - 1)});
  }

  void forward(int j, int c) {
    ShapeWork& w = work(j);
    const int vs = virtual_stage(c);
    const bool first = vs == 0;
    const bool last = vs == last_virtual_stage();
    const int edge = (first ? 1 : 0) | (last ? 2 : 0);
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
        core::stage_extra_activation_bytes(p_.model, virtual_parallel_, p_.micro_batches[static_cast<std::size_t>(j)],
                                           vs, p_.activations);
    if (p_.per_layer_ops) {
      if (first) launch(cat({"fwd embed", mb_suffix(j)}), "forward", w.embedding_fwd, j);
      for (int l = 0; l < layers_per_chunk_; ++l) {
        const std::string name = cat({"L", std::to_string(vs * layers_per_chunk_ + l), mb_suffix(j)});
        held.push_back(allocate(cat({"act ", name}), w.layer_bytes - (l == 0 ? input_held : 0), MemoryTag::activations));
        launch(cat({"fwd ", name}), "forward", w.layer_fwd, j);
      }
      held.push_back(allocate(cat({"act extra", mb_suffix(j)}), extra, MemoryTag::activations));
      if (last) launch(cat({"fwd head", mb_suffix(j)}), "forward", w.head_fwd, j);
    } else {
      held.push_back(allocate(cat({"act ", layer_range(c), mb_suffix(j)}),
                              layers_per_chunk_ * w.layer_bytes + extra - input_held, MemoryTag::activations));
      launch(cat({"fwd ", layer_range(c), mb_suffix(j)}), "forward",
             chunk_region(w.chunk_fwd, edge, first ? w.embedding_fwd : kNone, w.layer_fwd, last ? w.head_fwd : kNone), j);
    }

    if (!last) {
      Tensor out = boundary_tensor(cat({"act_out", mb_suffix(j)}), w, MemoryTag::comm_buffer);
      rt_.wait(last_compute_);  // the send stream does not order itself after compute
      pending_sends_.push_back(
          {rt_.send(out, rank_of_virtual_stage(vs + 1), core::kSendStream, tag(j, vs, false)), out});
    }
  }

  void backward(int j, int c) {
    ShapeWork& w = work(j);
    const int vs = virtual_stage(c);
    const bool first = vs == 0;
    const bool last = vs == last_virtual_stage();
    const int edge = (first ? 1 : 0) | (last ? 2 : 0);
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
    if (p_.per_layer_ops) {
      if (last) launch(cat({"bwd head", mb_suffix(j)}), "backward", w.head_bwd, j);
      for (int l = layers_per_chunk_ - 1; l >= 0; --l) {
        const std::string name = cat({"L", std::to_string(vs * layers_per_chunk_ + l), mb_suffix(j)});
        launch(cat({"recompute ", name}), "recompute", w.layer_recompute, j);
        launch(cat({"bwd ", name}), "backward", w.layer_bwd, j);
      }
      if (first) launch(cat({"bwd embed", mb_suffix(j)}), "backward", w.embedding_bwd, j);
    } else {
      launch(cat({"recompute ", layer_range(c), mb_suffix(j)}), "recompute",
             chunk_region(w.chunk_recompute, 0, kNone, w.layer_recompute, kNone), j);
      launch(cat({"bwd ", layer_range(c), mb_suffix(j)}), "backward",
             chunk_region(w.chunk_bwd, edge, last ? w.head_bwd : kNone, w.layer_bwd, first ? w.embedding_bwd : kNone), j);
    }

    // Buffers the backward reads may go once it has run.
    rt_.wait(last_compute_);
    for (Tensor& t : held_[static_cast<std::size_t>(j * v_ + c)]) release(t);
    held_[static_cast<std::size_t>(j * v_ + c)].clear();
    release(workspace);
    release(grad_in);
    if (!first) {
      Tensor grad_out = boundary_tensor(cat({"grad_out", mb_suffix(j)}), w, MemoryTag::comm_buffer);
      pending_sends_.push_back(
          {rt_.send(grad_out, rank_of_virtual_stage(vs - 1), core::kSendStream, tag(j, vs - 1, true)), grad_out});
    }
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
  bool tied_copy() const {
    return p_.model.tied_embeddings && p_.parallel.pp > 1 && (stage_ == 0 || stage_ == p_.parallel.pp - 1);
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
  core::ParallelConfig virtual_parallel_;
  int v_ = 1;
  int stage_ = 0;
  int layers_per_chunk_ = 0;
  std::int64_t params_ = 0;
  Tensor weights_;
  Tensor grads_;
  Tensor embedding_grads_;
  Tensor optimizer_;
  Completion last_compute_;
  KernelOp scratch_;
  std::map<std::vector<std::int64_t>, ShapeWork> shapes_;
  std::vector<std::vector<Tensor>> held_;  // per (micro-batch, chunk): activations kept for backward
  std::vector<std::pair<Completion, Tensor>> pending_sends_;
};

}  // namespace

MegatronPlan make_megatron_plan(const core::Scenario& scenario, int rank) {
  const std::string where = scenario.source_path.empty() ? scenario.name : scenario.source_path;
  if (scenario.workload.kind != "fixed_length") {
    throw core::InputError(where + ": workload.kind \"" + scenario.workload.kind +
                           "\" is not supported by the megatron baseline (known: fixed_length)");
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
  plan.micro_batches.assign(static_cast<std::size_t>(scenario.parallel.num_micro_batches), plan.batch);
  plan.schedule = scenario.strategy.schedule;
  plan.recompute = core::parse_recompute(scenario.strategy.recompute);
  plan.per_layer_ops = scenario.sim.granularity == "layer";
  plan.span = core::comm_span(scenario.cluster, scenario.parallel, rank);
  plan.rank = rank;
  // Checks the schedule (name, virtual stages, micro-batch count) now rather than
  // inside the run.
  (void)make_pipeline_schedule(plan.schedule, plan.parallel.pp, 0, static_cast<int>(plan.micro_batches.size()),
                               plan.parallel.virtual_stages);
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
