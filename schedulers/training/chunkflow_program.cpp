#include "schedulers/training/chunkflow_program.hpp"

#include <map>
#include <set>

#include "core/errors.hpp"
#include "schedulers/training/chunk_construction.hpp"
#include "schedulers/training/dp_assignment.hpp"
#include "schedulers/training/stage_rank.hpp"
#include "schedulers/training/state_aware_1f1b.hpp"
#include "schedulers/training/training_batch.hpp"

namespace lcperf::schedulers::training {

namespace {

using core::Completion;
using core::MemoryTag;
using core::OpPart;
using core::Runtime;
using core::Tensor;

core::MicroBatchShape chunk_shape(const Chunk& chunk, const core::ParallelConfig& parallel) {
  return padded(micro_batch_shape(chunk), token_multiple(parallel));
}

std::string describe(const Chunk& c) {
  if (c.kind == Chunk::Kind::dependent) {
    return cat({"c", std::to_string(c.id), "=seq", std::to_string(c.seq_id), "[", std::to_string(c.index), "/",
                std::to_string(c.count), "]:", std::to_string(c.tokens())});
  }
  return cat({"c", std::to_string(c.id), "=packed(", std::to_string(c.seq_lens.size()), "):", std::to_string(c.tokens())});
}

class ChunkFlowRun : private StageRank {
 public:
  ChunkFlowRun(const ChunkFlowPlan& plan, Runtime& rt)
      : StageRank(plan.base, rt, plan.base.model.layers / plan.base.parallel.pp), plan_(plan) {
    first_ = stage_ == 0;
    last_ = stage_ == p_.parallel.pp - 1;
    if (!first_) prev_ = neighbour(stage_ - 1);
    if (!last_) next_ = neighbour(stage_ + 1);
    for (const ChunkUnit& unit : plan_.units) {
      for (const Chunk& c : unit.chunks) chunks_.emplace(c.id, &c);
    }
  }

  void run() {
    const std::vector<ChunkStep> steps = state_aware_1f1b_schedule(p_.parallel.pp, stage_, plan_.units, plan_.k);
    std::string layout;
    for (const ChunkUnit& unit : plan_.units) {
      for (const Chunk& c : unit.chunks) layout.append(layout.empty() ? "" : " ").append(describe(c));
    }
    rt_.log_decision("chunks", cat({"dp ", std::to_string(coord_.dp), " (cost ", std::to_string(plan_.estimated_cost),
                                    "): ", layout}));
    rt_.log_decision("schedule", cat({"stage ", std::to_string(stage_), "/", std::to_string(p_.parallel.pp),
                                      " state-aware 1F1B K=", std::to_string(plan_.k), ": ", to_string(steps)}));
    allocate_model_states();
    for (const ChunkStep& step : steps) {
      const Chunk& chunk = *chunks_.at(step.chunk);
      switch (step.kind) {
        case ChunkStep::Kind::forward: forward(chunk, step.keep_activations); break;
        case ChunkStep::Kind::reforward: reforward(chunk); break;
        case ChunkStep::Kind::backward: backward(chunk); break;
      }
    }
    flush_sends();
    reduce_gradients_and_step();
    rt_.synchronize();
    release_model_states();
  }

 private:
  int neighbour(int pp_stage) const {
    core::RankCoord c = coord_;
    c.pp = pp_stage;
    return core::rank_of(p_.parallel, c);
  }
  static int tag(const Chunk& c, bool grad) { return 2 * c.id + (grad ? 1 : 0); }
  std::string layer_name(int l, const Chunk& c) const {
    return cat({"L", std::to_string(stage_ * layers_per_region_ + l), " c", std::to_string(c.id)});
  }
  std::string range_name(const Chunk& c) const {
    return cat({"L", std::to_string(stage_ * layers_per_region_), "-",
                std::to_string((stage_ + 1) * layers_per_region_ - 1), " c", std::to_string(c.id)});
  }
  int edge() const { return (first_ ? 1 : 0) | (last_ ? 2 : 0); }

  // K/V of one chunk's tokens over this stage's layers (bf16, TP-sharded heads).
  std::int64_t kv_bytes(const core::MicroBatchShape& shape) const {
    const core::LocalDims d = core::local_dims(p_.model, p_.parallel, shape);
    return 2 * static_cast<std::int64_t>(layers_per_region_) * d.tokens * d.heads_kv * p_.model.head_dim *
           core::dtype_bytes(p_.model.dtype);
  }

  // The forward compute of a chunk (fresh or re-forward), holding its activations in
  // `held` when asked.
  void compute_forward(const Chunk& c, ShapeWork& w, const char* category, bool keep, std::vector<Tensor>& held) {
    static const std::vector<OpPart> kNone;
    const std::int64_t input_held = first_ ? 0 : w.boundary;
    const core::MicroBatchShape shape = chunk_shape(c, p_.parallel);
    const std::int64_t extra =
        keep ? core::stage_extra_activation_bytes(p_.model, p_.parallel, shape, stage_, p_.activations) : 0;
    if (p_.per_layer_ops) {
      if (first_) launch(cat({"fwd embed c", std::to_string(c.id)}), category, w.embedding_fwd, c.id);
      for (int l = 0; l < layers_per_region_; ++l) {
        if (keep) held.push_back(allocate(cat({"act ", layer_name(l, c)}), w.layer_bytes - (l == 0 ? input_held : 0),
                                          MemoryTag::activations));
        launch(cat({"fwd ", layer_name(l, c)}), category, w.layer_fwd, c.id);
      }
      if (keep) held.push_back(allocate(cat({"act extra c", std::to_string(c.id)}), extra, MemoryTag::activations));
      if (last_) launch(cat({"fwd head c", std::to_string(c.id)}), category, w.head_fwd, c.id);
    } else {
      if (keep) {
        held.push_back(allocate(cat({"act ", range_name(c)}), layers_per_region_ * w.layer_bytes + extra - input_held,
                                MemoryTag::activations));
      }
      launch(cat({"fwd ", range_name(c)}), category,
             region(w.chunk_fwd, edge(), first_ ? w.embedding_fwd : kNone, w.layer_fwd, last_ ? w.head_fwd : kNone),
             c.id);
    }
  }

  void forward(const Chunk& c, bool keep) {
    const core::MicroBatchShape shape = chunk_shape(c, p_.parallel);
    ShapeWork& w = work(shape);
    std::vector<Tensor>& held = held_[c.id];
    Completion received;
    if (!first_) {
      // Kept until the chunk's backward: it is the first layer's input, and a dropped
      // chunk re-forwards from it.
      held.push_back(boundary_tensor(cat({"act_in c", std::to_string(c.id)}), w, MemoryTag::activations));
      received = rt_.recv(held.back(), prev_, core::kRecvStream, tag(c, false));
    }
    flush_sends();
    rt_.wait(received);
    if (c.kind == Chunk::Kind::dependent) {
      state_[c.seq_id].push_back(allocate(cat({"kv seq", std::to_string(c.seq_id), " c", std::to_string(c.id)}),
                                          kv_bytes(shape), MemoryTag::kv_cache));
    }
    compute_forward(c, w, "forward", keep, held);
    if (!last_) send_later(boundary_tensor(cat({"act_out c", std::to_string(c.id)}), w, MemoryTag::comm_buffer), next_,
                           tag(c, false));
  }

  void reforward(const Chunk& c) {
    const core::MicroBatchShape shape = chunk_shape(c, p_.parallel);
    compute_forward(c, work(shape), "recompute", true, held_[c.id]);
  }

  void backward(const Chunk& c) {
    static const std::vector<OpPart> kNone;
    const core::MicroBatchShape shape = chunk_shape(c, p_.parallel);
    ShapeWork& w = work(shape);
    Completion received;
    Tensor grad_in;
    if (!last_) {
      grad_in = boundary_tensor(cat({"grad_in c", std::to_string(c.id)}), w, MemoryTag::comm_buffer);
      received = rt_.recv(grad_in, next_, core::kRecvStream, tag(c, true));
    }
    flush_sends();
    rt_.wait(received);
    if (c.kind == Chunk::Kind::dependent && !grad_state_.count(c.seq_id)) {
      // The K/V gradients of the whole sequence accumulate from its first backward on.
      std::int64_t bytes = 0;
      for (const Tensor& t : state_[c.seq_id]) bytes += t.bytes();
      grad_state_[c.seq_id] = allocate(cat({"dkv seq", std::to_string(c.seq_id)}), bytes, MemoryTag::kv_cache);
    }
    Tensor workspace = allocate(cat({"recompute c", std::to_string(c.id)}), w.workspace_bytes, MemoryTag::activations);
    if (p_.per_layer_ops) {
      if (last_) launch(cat({"bwd head c", std::to_string(c.id)}), "backward", w.head_bwd, c.id);
      for (int l = layers_per_region_ - 1; l >= 0; --l) {
        launch(cat({"recompute ", layer_name(l, c)}), "recompute", w.layer_recompute, c.id);
        launch(cat({"bwd ", layer_name(l, c)}), "backward", w.layer_bwd, c.id);
      }
      if (first_) launch(cat({"bwd embed c", std::to_string(c.id)}), "backward", w.embedding_bwd, c.id);
    } else {
      launch(cat({"recompute ", range_name(c)}), "recompute", region(w.chunk_recompute, 0, kNone, w.layer_recompute, kNone),
             c.id);
      launch(cat({"bwd ", range_name(c)}), "backward",
             region(w.chunk_bwd, edge(), last_ ? w.head_bwd : kNone, w.layer_bwd, first_ ? w.embedding_bwd : kNone),
             c.id);
    }
    rt_.wait(last_compute_);
    for (Tensor& t : held_[c.id]) release(t);
    held_.erase(c.id);
    release(workspace);
    release(grad_in);
    // Backwards of a sequence run in descending chunk order: chunk 0 is its last.
    if (c.kind == Chunk::Kind::dependent && c.index == 0) {
      for (Tensor& t : state_[c.seq_id]) release(t);
      state_.erase(c.seq_id);
      release(grad_state_[c.seq_id]);
      grad_state_.erase(c.seq_id);
    }
    if (!first_) send_later(boundary_tensor(cat({"grad_out c", std::to_string(c.id)}), w, MemoryTag::comm_buffer),
                            prev_, tag(c, true));
  }

  const ChunkFlowPlan& plan_;
  bool first_ = true;
  bool last_ = true;
  int prev_ = -1;
  int next_ = -1;
  std::map<int, const Chunk*> chunks_;
  std::map<int, std::vector<Tensor>> held_;        // chunk id -> stage input and activations
  std::map<int, std::vector<Tensor>> state_;       // sequence id -> K/V of its chunks
  std::map<int, Tensor> grad_state_;               // sequence id -> accumulated K/V gradients
};

}  // namespace

double chunk_cost(const core::ModelSpec& model, const core::ParallelConfig& parallel, const Chunk& chunk) {
  const core::MicroBatchShape shape = chunk_shape(chunk, parallel);
  double flops = 0;
  for (const OpPart& p : core::layer_forward_parts(model, parallel, shape)) flops += core::flops_of(p);
  for (const OpPart& p : core::layer_backward_parts(model, parallel, shape, core::Recompute::none)) {
    flops += core::flops_of(p);
  }
  return flops;
}

std::vector<DpRankShare> chunkflow_shares(const core::Scenario& scenario, const std::vector<std::int64_t>& global_batch) {
  const std::string where = scenario.source_path.empty() ? scenario.name : scenario.source_path;
  if (scenario.parallel.virtual_stages != 1) {
    throw core::InputError(where + ": chunkflow runs without virtual stages (parallel.virtual_stages must be 1)");
  }
  if (scenario.parallel.cp != 1) {
    throw core::InputError(where + ": chunkflow replaces context parallelism here (parallel.cp must be 1)");
  }
  if (scenario.strategy.recompute == core::RecomputePolicy::planner) {
    throw core::InputError(where + ": chunkflow does not use the memory planner (strategy.recompute must be none, "
                                   "selective or full)");
  }
  if (scenario.strategy.schedule != core::PipelineSchedule::one_f_one_b) {
    throw core::InputError(where + ": chunkflow runs its own state-aware 1F1B (strategy.schedule must be 1f1b)");
  }
  if (scenario.strategy.chunk_size % token_multiple(scenario.parallel) != 0) {
    throw core::InputError(where + ": strategy.chunk_size " + std::to_string(scenario.strategy.chunk_size) +
                           " must be a multiple of " + std::to_string(token_multiple(scenario.parallel)) +
                           " (sequence parallelism splits chunks over the TP group)");
  }
  const std::vector<std::int64_t> lengths =
      scenario.workload.kind == core::WorkloadKind::dataset ? global_batch : fixed_length_global_batch(scenario);
  const std::vector<ChunkUnit> units =
      group_into_units(construct_chunks(as_sequences(lengths), scenario.strategy.chunk_size));
  const auto cost = [&](const Chunk& c) { return chunk_cost(scenario.model, scenario.parallel, c); };
  std::vector<DpRankShare> shares = assign_units_lpt(units, scenario.parallel.dp, cost);
  for (std::size_t dp = 0; dp < shares.size(); ++dp) {
    if (shares[dp].units.empty()) {
      throw core::InputError(where + ": data-parallel replica " + std::to_string(dp) +
                             " gets no chunk: the global batch is too small for dp = " +
                             std::to_string(scenario.parallel.dp));
    }
  }
  return shares;
}

ChunkFlowPlan make_chunkflow_plan(const core::Scenario& scenario, int rank,
                                  const std::vector<std::int64_t>& global_batch) {
  std::vector<DpRankShare> shares = chunkflow_shares(scenario, global_batch);
  ChunkFlowPlan plan;
  // The baseline plan carries everything but the batches.
  core::Scenario fixed = scenario;
  fixed.workload.kind = core::WorkloadKind::fixed_length;
  fixed.workload.seq_len = scenario.strategy.chunk_size;
  fixed.parallel.num_micro_batches = 1;
  fixed.parallel.micro_batch_size = 1;
  plan.base = make_megatron_plan(fixed, rank);
  plan.base.schedule = core::PipelineSchedule::one_f_one_b;
  plan.chunk_size = scenario.strategy.chunk_size;
  plan.k = scenario.strategy.k;
  DpRankShare& mine = shares[static_cast<std::size_t>(core::coord_of(scenario.parallel, rank).dp)];
  plan.units = std::move(mine.units);
  plan.estimated_cost = mine.cost;
  plan.base.batch = chunk_shape(plan.units.front().chunks.front(), scenario.parallel);
  return plan;
}

core::RankProgram make_chunkflow_rank_program(const ChunkFlowPlan& plan) {
  return [plan](Runtime& rt) { ChunkFlowRun(plan, rt).run(); };
}

}  // namespace lcperf::schedulers::training
