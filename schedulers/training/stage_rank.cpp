#include "schedulers/training/stage_rank.hpp"

namespace lcperf::schedulers::training {

using core::Completion;
using core::MemoryTag;
using core::OpPart;
using core::Tensor;

std::string cat(std::initializer_list<std::string_view> pieces) {
  // One allocation per name (names are built for every op of every micro-batch).
  std::size_t size = 0;
  for (std::string_view p : pieces) size += p.size();
  std::string text;
  text.reserve(size);
  for (std::string_view p : pieces) text.append(p);
  return text;
}

std::string mb_suffix(int j) { return cat({" mb", std::to_string(j)}); }

void append(std::vector<OpPart>& to, const std::vector<OpPart>& from) { to.insert(to.end(), from.begin(), from.end()); }

StageRank::StageRank(const MegatronPlan& plan, core::Runtime& rt, int layers_per_region)
    : p_(plan), rt_(rt), coord_(core::coord_of(plan.parallel, plan.rank)), layers_per_region_(layers_per_region) {
  stage_ = coord_.pp;
  params_ = core::params_on_rank(p_.model, p_.parallel, stage_);
}

ShapeWork& StageRank::work(const core::MicroBatchShape& batch) {
  const auto key = std::make_pair(batch.seq_lens, batch.kv_prefix);
  auto it = shapes_.find(key);
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
  if (p_.planner) {
    // The planner replaces the per-layer accounting and Megatron's recompute modes.
    const PlannedMicroBatch planned = plan_micro_batch(*p_.planner, batch.tokens(), p_.activation_budget);
    w.layer_bytes = 0;
    w.workspace_bytes = 0;
    w.layer_recompute.clear();
    w.planned_bytes = planned.activation_bytes;
    if (planned.recompute_flops > 0) {
      w.planned_recompute.push_back(recompute_part(model, par, batch.tokens(), planned.recompute_flops));
    }
    rt_.log_decision("memory_plan", cat({"tokens ", std::to_string(batch.tokens()), ": peak ",
                                         std::to_string(planned.activation_bytes), " B, ",
                                         std::to_string(planned.evictions), " evictions, recompute ",
                                         std::to_string(planned.recompute_flops), " FLOP",
                                         planned.feasible ? "" : " (over budget)"}));
  }
  ShapeWork& stored = shapes_.emplace(key, std::move(w)).first->second;
  for (const std::vector<OpPart>* parts :
       {&stored.planned_recompute, &stored.layer_fwd, &stored.layer_bwd, &stored.layer_recompute, &stored.embedding_fwd,
        &stored.embedding_bwd, &stored.head_fwd, &stored.head_bwd}) {
    parts_ids_.emplace(parts, core::new_parts_id());
  }
  return stored;
}

Tensor StageRank::allocate(const std::string& name, std::int64_t bytes, MemoryTag tag_of) {
  if (bytes <= 0) return {};
  return rt_.allocate(core::bytes_tensor(name, bytes, tag_of));
}

void StageRank::release(Tensor& t) {
  if (t.valid()) rt_.release(t);
  t = {};
}

Tensor StageRank::boundary_tensor(const std::string& name, const ShapeWork& w, MemoryTag tag_of) {
  core::TensorDesc d;
  d.name = name;
  d.shape = {w.boundary_tokens, p_.model.hidden};
  d.dtype = p_.model.dtype;
  d.tag = tag_of;
  return rt_.allocate(d);
}

void StageRank::launch(std::string name, const char* category, std::vector<OpPart>& parts, int j) {
  if (parts.empty()) return;
  scratch_.name = std::move(name);
  scratch_.category = category;
  scratch_.parts.swap(parts);
  scratch_.micro_batch = j;
  const auto id = parts_ids_.find(&parts);
  scratch_.parts_id = id == parts_ids_.end() ? 0 : id->second;
  last_compute_ = rt_.launch(scratch_, core::kComputeStream);
  scratch_.parts.swap(parts);
}

std::vector<OpPart>& StageRank::region(std::map<int, std::vector<OpPart>>& cache, int edge,
                                       const std::vector<OpPart>& first, const std::vector<OpPart>& middle,
                                       const std::vector<OpPart>& last) {
  auto [it, fresh] = cache.try_emplace(edge);
  if (fresh) {
    append(it->second, first);
    for (int l = 0; l < layers_per_region_; ++l) append(it->second, middle);
    append(it->second, last);
    parts_ids_.emplace(&it->second, core::new_parts_id());
  }
  return it->second;
}

void StageRank::send_later(Tensor buffer, int peer, int tag) {
  rt_.wait(last_compute_);  // the send stream does not order itself after compute
  pending_sends_.push_back({rt_.send(buffer, peer, core::kSendStream, tag), buffer});
}

void StageRank::flush_sends() {
  for (auto& [done, buffer] : pending_sends_) {
    rt_.wait(done);
    release(buffer);
  }
  pending_sends_.clear();
}

void StageRank::allocate_model_states() {
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

bool StageRank::tied_copy() const {
  return p_.model.tied_embeddings && p_.parallel.pp > 1 && (stage_ == 0 || stage_ == p_.parallel.pp - 1);
}

core::CommGroup StageRank::gradient_group_of_rank() const { return gradient_group(p_.parallel, p_.rank); }

bool StageRank::sharded_optimizer() const {
  return p_.parallel.distributed_optimizer && gradient_group_of_rank().ranks.size() > 1;
}

Tensor StageRank::view(const Tensor& of, const std::string& name, std::int64_t params, core::DType dtype) {
  Tensor t = of;
  t.desc.name = name;
  t.desc.shape = {params};
  t.desc.dtype = dtype;
  return t;
}

void StageRank::reduce_bucket(const std::string& name, std::int64_t params) {
  buckets_reduced_ = true;
  const core::CommGroup group = gradient_group_of_rank();
  if (group.ranks.size() <= 1 || params <= 0) return;
  const auto kind = sharded_optimizer() ? core::CollectiveKind::reduce_scatter : core::CollectiveKind::all_reduce;
  bucket_reductions_.push_back(
      rt_.collective(kind, group, view(grads_, name, params, p_.step.grad_reduce_dtype), core::kCollectiveStream));
}

Completion StageRank::gather_bucket(const std::string& name, std::int64_t params) {
  params_gathered_early_ = true;
  if (!sharded_optimizer() || params <= 0) return {};
  return rt_.collective(core::CollectiveKind::all_gather, gradient_group_of_rank(),
                        view(weights_, name, params, core::DType::bf16), core::kCollectiveStream);
}

// Work every iteration does between the gradient reduction and the optimizer, on the
// rank's optimizer shard (all of its gradients without the distributed optimizer):
// fp16 loss scaling unscales the gradients and checks them for inf/NaN (one flag
// all-reduced over every rank); clipping sums the squared gradients, all-reduces the
// one-float norm over every rank and scales the gradients. The one-float all-reduces
// are latency-bound and priced by the collective model inside the op.
void StageRank::launch_fixed_step_work() {
  const std::int64_t shard = core::optimizer_params(params_, p_.parallel);
  const core::CollectiveShape flag{core::CollectiveKind::all_reduce, 4, p_.parallel.world_size(), p_.world_nodes};
  if (p_.model.dtype == core::DType::fp16) {
    std::vector<OpPart> unscale{core::ElementwiseShape{"grad_unscale", shard, 2.0, 8.0}};
    if (flag.ranks > 1) unscale.push_back(flag);
    launch("loss unscale", "loss_scale", unscale, -1);
  }
  if (p_.step.clip_grad) {
    std::vector<OpPart> clip{core::ElementwiseShape{"grad_norm", shard, 2.0, 4.0}};
    if (flag.ranks > 1) clip.push_back(flag);
    clip.push_back(core::ElementwiseShape{"grad_scale", shard, 1.0, 8.0});
    launch("clip grad", "grad_norm", clip, -1);
  }
}

void StageRank::reduce_gradients_and_step() {
  rt_.wait(last_compute_);
  const core::CommGroup group = gradient_group_of_rank();
  const bool reduce = group.ranks.size() > 1;
  const bool sharded = sharded_optimizer();
  const auto tied_all_reduce = [this] {
    const std::vector<int> stages = core::pp_group(p_.parallel, p_.rank);
    const core::CommGroup tied{"embedding", {stages.front(), stages.back()}};
    rt_.wait(rt_.collective(core::CollectiveKind::all_reduce, tied, embedding_grads_, core::kCollectiveStream));
  };
  if (buckets_reduced_) {
    // The buckets covered every gradient, the tied copy included; the two copies of a
    // tied embedding are summed after the data-parallel reduction (as Megatron's
    // finalize step does; the sum is the same in either order).
    rt_.wait_all(bucket_reductions_);
    bucket_reductions_.clear();
    if (embedding_grads_.valid()) tied_all_reduce();
  } else {
    if (embedding_grads_.valid()) tied_all_reduce();
    std::vector<Completion> reductions;
    for (const Tensor* g : {&grads_, &embedding_grads_}) {
      if (!reduce || !g->valid()) continue;
      const auto kind = sharded ? core::CollectiveKind::reduce_scatter : core::CollectiveKind::all_reduce;
      const Tensor wire = view(*g, g->desc.name, g->desc.elements(), p_.step.grad_reduce_dtype);
      reductions.push_back(rt_.collective(kind, group, wire, core::kCollectiveStream));
    }
    rt_.wait_all(reductions);
  }
  launch_fixed_step_work();
  std::vector<OpPart> step = core::optimizer_parts(core::optimizer_params(params_, p_.parallel));
  launch("optimizer", "optimizer", step, -1);
  if (sharded && !params_gathered_early_) {  // every rank updated its shard; gather the new bf16 weights
    rt_.wait(last_compute_);
    rt_.wait(rt_.collective(core::CollectiveKind::all_gather, group, weights_, core::kCollectiveStream));
  }
}

void StageRank::release_model_states() {
  for (Tensor* t : {&weights_, &grads_, &embedding_grads_, &optimizer_}) release(*t);
}

}  // namespace lcperf::schedulers::training
