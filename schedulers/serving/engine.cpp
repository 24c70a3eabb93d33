#include "schedulers/serving/engine.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "core/errors.hpp"
#include "core/serving_ops.hpp"
#include "schedulers/serving/batch_scheduler.hpp"
#include "schedulers/serving/block_manager.hpp"

namespace lcperf::schedulers::serving {

namespace {

using core::Runtime;
using core::Tensor;

std::string rid(const ServingRequest& r) { return request_name(r.id); }

BlockManager make_blocks(const EnginePlan& p) {
  const std::int64_t block_bytes = kv_block_bytes(p.model, p.parallel, p.config);
  return BlockManager(p.config.kv_budget_bytes / block_bytes, p.config.block_size_tokens, p.config.watermark,
                      p.config.host_kv_budget_bytes / block_bytes);
}

// One rank's run. Built per invocation so the RankProgram stays a copyable value.
class EngineRun {
 public:
  EngineRun(const EnginePlan& plan, Runtime& rt, EngineRecords* records)
      : p_(plan),
        rt_(rt),
        rec_(records),
        sched_(plan.config, make_blocks(plan), plan.requests),
        block_bytes_(kv_block_bytes(plan.model, plan.parallel, plan.config)),
        kv_(plan.requests.size()),
        order_(arrival_order(plan.requests)) {
    if (rec_ == nullptr) return;
    *rec_ = EngineRecords{};
    rec_->requests.resize(p_.requests.size());
    rec_->token_times_s.resize(p_.requests.size());
    for (std::size_t i = 0; i < p_.requests.size(); ++i) {
      const ServingRequest& r = p_.requests[i];
      RequestMetrics& m = rec_->requests[i];
      m.id = r.id;
      m.arrival_s = r.arrival_s;
      m.prompt = r.prompt_tokens;
      m.output = r.output_tokens;
    }
  }

  void run() {
    if (!p_.routing_decision.empty()) rt_.log_decision("route", p_.routing_decision);
    std::size_t next = 0;
    while (true) {
      next = admit_arrivals(next);
      if (!sched_.has_work()) {
        if (next == order_.size()) break;
        rt_.sleep_until(p_.requests[order_[next]].arrival_s);
        continue;
      }
      run_step();
    }
    rt_.synchronize();
    finish();
  }

 private:
  std::size_t admit_arrivals(std::size_t next) {
    const double now = rt_.now_s();
    for (; next < order_.size() && p_.requests[order_[next]].arrival_s <= now; ++next) {
      const std::size_t slot = order_[next];
      if (sched_.enqueue(slot)) continue;
      const ServingRequest& r = p_.requests[slot];
      rt_.log_decision("reject", rid(r) + ": prompt " + std::to_string(r.prompt_tokens) + " + output " +
                                     std::to_string(r.output_tokens) +
                                     " tokens never fit the KV cache or the token budget");
      if (rec_ != nullptr) rec_->requests[slot].rejected = true;
    }
    return next;
  }

  void run_step() {
    const StepPlan plan = sched_.schedule();
    if (plan.idle() && plan.preemptions.empty()) {
      throw std::logic_error("serving engine: work is queued but no step could be formed");
    }
    const std::string step = "step " + std::to_string(step_);
    for (const Preemption& pre : plan.preemptions) {
      rt_.log_decision("preempt", step + " " + rid(p_.requests[pre.slot]) + " " +
                                      std::string(to_string(pre.mode)) + " (" + std::to_string(pre.blocks) +
                                      " blocks)");
    }
    rt_.log_decision("batch", step + " " + describe_step(plan, sched_));
    apply(plan.kv_events);

    core::KernelOp op;
    op.name = step;
    op.category = "serving";
    if (plan.swap_out_blocks > 0) {
      op.parts.push_back(core::kv_swap_part(plan.swap_out_blocks * block_bytes_, p_.config.host_link_factor));
    }
    if (plan.swap_in_blocks > 0) {
      op.parts.push_back(core::kv_swap_part(plan.swap_in_blocks * block_bytes_, p_.config.host_link_factor));
    }
    std::vector<core::ServingSeq> seqs;
    seqs.reserve(plan.seqs.size());
    for (const ScheduledSeq& s : plan.seqs) {
      seqs.push_back(s.seq);
      // Sparse prefill switches on by the request's prompt length, not the chunk's.
      seqs.back().prompt_tokens = p_.requests[s.slot].prompt_tokens;
    }
    std::vector<core::OpPart> step_parts =
        core::serving_step_parts(p_.model, p_.parallel, seqs, p_.model.layers, true, true, p_.config.long_context);
    if (p_.config.sparse_weights.any() && p_.config.sparse_choice) {
      step_parts = core::rewrite_sparse_weight_parts(std::move(step_parts), p_.model, p_.parallel,
                                                     p_.config.sparse_weights, p_.config.sparse_choice);
    }
    op.parts.insert(op.parts.end(), std::make_move_iterator(step_parts.begin()),
                    std::make_move_iterator(step_parts.end()));

    const double start = rt_.now_s();
    if (!op.parts.empty()) rt_.wait(rt_.launch(op, core::kComputeStream));
    const double end = rt_.now_s();
    const StepOutcome outcome = sched_.complete(plan);
    apply(outcome.kv_events);
    record(plan, outcome, start, end);
    ++step_;
  }

  // Mirrors block changes as kv_cache tensors: one tensor per growth, all of a
  // request's tensors released when it gives its blocks up.
  void apply(const std::vector<KvEvent>& events) {
    for (const KvEvent& e : events) {
      std::vector<Tensor>& held = kv_[e.slot];
      if (e.kind == KvEvent::Kind::grow) {
        if (e.blocks == 0) continue;
        held.push_back(rt_.allocate(
            core::bytes_tensor("kv " + rid(p_.requests[e.slot]), e.blocks * block_bytes_, core::MemoryTag::kv_cache)));
        continue;
      }
      std::int64_t bytes = 0;
      for (Tensor& t : held) {
        bytes += t.bytes();
        rt_.release(t);
      }
      held.clear();
      if (bytes != e.blocks * block_bytes_) throw std::logic_error("serving engine: KV tensors and blocks disagree");
    }
  }

  void record(const StepPlan& plan, const StepOutcome& outcome, double start, double end) {
    if (rec_ == nullptr) return;
    EngineCounters& c = rec_->counters;
    StepRecord s;
    s.index = step_;
    s.start_s = start;
    s.end_s = end;
    s.tokens = plan.tokens;
    s.preemptions = static_cast<int>(plan.preemptions.size());
    s.kv_blocks_used = sched_.blocks().used_blocks();
    for (const ScheduledSeq& item : plan.seqs) {
      (item.seq.decode ? s.decodes : s.prefill_chunks) += 1;
      c.max_context_tokens = std::max(c.max_context_tokens, item.seq.context_before + item.seq.q_tokens);
      RequestMetrics& m = rec_->requests[item.slot];
      if (m.first_scheduled_s < 0) m.first_scheduled_s = start;
    }
    for (std::size_t slot : outcome.sampled) {
      RequestMetrics& m = rec_->requests[slot];
      if (m.first_token_s < 0) m.first_token_s = end;
      if (p_.config.record_token_times) rec_->token_times_s[slot].push_back(end);
    }
    for (std::size_t slot : outcome.finished) rec_->requests[slot].finish_s = end;
    for (const Preemption& pre : plan.preemptions) rec_->requests[pre.slot].preemptions += 1;
    c.steps += 1;
    c.preemptions += static_cast<std::int64_t>(plan.preemptions.size());
    c.swap_out_bytes += plan.swap_out_blocks * block_bytes_;
    c.swap_in_bytes += plan.swap_in_blocks * block_bytes_;
    rec_->steps.push_back(s);
  }

  void finish() {
    const BlockManager& b = sched_.blocks();
    if (b.used_blocks() != 0 || b.host_used_blocks() != 0 || b.allocated_blocks() != b.freed_blocks()) {
      throw std::logic_error("serving engine: KV blocks still held after every request ended");
    }
    if (rec_ == nullptr) return;
    EngineCounters& c = rec_->counters;
    c.peak_kv_bytes = b.peak_used_blocks() * block_bytes_;
    c.blocks_allocated = b.allocated_blocks();
    c.blocks_freed = b.freed_blocks();
  }

  const EnginePlan& p_;
  Runtime& rt_;
  EngineRecords* rec_;
  BatchScheduler sched_;
  std::int64_t block_bytes_;
  std::vector<std::vector<Tensor>> kv_;  // per request: its KV allocations
  std::vector<std::size_t> order_;       // requests by arrival
  std::int64_t step_ = 0;
};

}  // namespace

std::int64_t kv_block_bytes(const core::ModelSpec& model, const core::ParallelConfig& parallel,
                            const EngineConfig& config) {
  return config.block_size_tokens * core::kv_bytes_per_token_per_layer(model, parallel) * model.layers;
}

void validate_engine_plan(const EnginePlan& plan, const std::string& where) {
  validate_engine_config(plan.config, where);
  validate_requests(plan.requests, where);
  if (plan.parallel.pp != 1) throw core::InputError(where + ": serving does not model pipeline parallelism (pp must be 1)");
  if (plan.parallel.tp < 1) throw core::InputError(where + ": tp must be >= 1");
  if (plan.model.layers <= 0) throw core::InputError(where + ": the model has no layers");
  const std::int64_t block_bytes = kv_block_bytes(plan.model, plan.parallel, plan.config);
  if (plan.config.kv_budget_bytes < block_bytes) {
    throw core::InputError(where + ": kv_budget_bytes " + std::to_string(plan.config.kv_budget_bytes) +
                           " holds no KV block of " + std::to_string(block_bytes) + " bytes");
  }
}

core::RankProgram make_engine_program(EnginePlan plan, std::shared_ptr<EngineRecords> records) {
  validate_engine_plan(plan, "serving instance " + std::to_string(plan.instance));
  auto shared = std::make_shared<const EnginePlan>(std::move(plan));
  return [shared, records](Runtime& rt) { EngineRun(*shared, rt, records.get()).run(); };
}

}  // namespace lcperf::schedulers::serving
