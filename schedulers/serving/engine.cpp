#include "schedulers/serving/engine.hpp"

#include <algorithm>
#include <set>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "core/errors.hpp"
#include "core/serving_ops.hpp"
#include "schedulers/serving/batch_scheduler.hpp"
#include "schedulers/serving/block_manager.hpp"
#include "schedulers/serving/disaggregation.hpp"
#include "schedulers/serving/host_work.hpp"
#include "schedulers/serving/prefix_plan.hpp"
#include "schedulers/serving/stage_message.hpp"
#include "schedulers/serving/step_op.hpp"

namespace lcperf::schedulers::serving {

namespace {

using core::Runtime;
using core::Tensor;

// A stage's weights as one tensor held for the whole run, so the memory tracker (or a
// live backend's arena) holds weights + KV: the figure that decides whether a model fits
// its GPUs, dense or compressed.
Tensor hold_weights(Runtime& rt, const EngineConfig& config, int stage) {
  const auto at = static_cast<std::size_t>(stage);
  if (at >= config.stage_weight_bytes.size() || config.stage_weight_bytes[at] <= 0) return {};
  return rt.allocate(core::bytes_tensor("weights stage " + std::to_string(stage), config.stage_weight_bytes[at],
                                        core::MemoryTag::weights));
}

// p2p tags between pipeline stages: activations flow forward, sampled tokens come back
// from the last stage to the first. Matching is in posting order, so batches stay FIFO.
constexpr int kActivationTag = 0;
constexpr int kResultTag = 1;
constexpr const char* kBatchMessage = "serving_batch";


std::string rid(const ServingRequest& r) { return request_name(r.id); }

BlockManager make_blocks(const EnginePlan& p) {
  const std::int64_t block_bytes = kv_block_bytes(p.model, p.parallel, p.config);
  return BlockManager(p.config.kv_budget_bytes / block_bytes + p.config.borrowable_blocks, p.config.block_size_tokens,
                      p.config.watermark,
                      p.config.host_kv_budget_bytes / block_bytes);
}

// Where a rank sits in its instance: pipeline stage and TP rank within the stage.
struct InstancePosition {
  int stage = 0;
  int tp_rank = 0;
};

InstancePosition position_of(const EnginePlan& p, int rank) {
  const int offset = rank - p.first_rank;
  const int tp = std::max(1, p.parallel.tp);
  if (offset < 0 || offset >= tp * p.parallel.pp) {
    throw std::logic_error("serving engine: rank " + std::to_string(rank) + " is not a rank of instance " +
                           std::to_string(p.instance));
  }
  return {offset / tp, offset % tp};
}

// Rank of `stage` for TP rank `tp_rank`: TP ranks talk to the same TP rank of the
// neighbouring stages (only TP rank 0 runs when the simulator folds TP groups).
int stage_rank(const EnginePlan& p, int stage, int tp_rank) { return p.first_rank + stage * p.parallel.tp + tp_rank; }

// Bytes of a batch's hidden states between two stages.
// Inter-stage messages are allocated buffers of these sizes, so a live backend has bytes
// to copy and the memory tracker sees them while they are in flight.
core::TensorDesc activations(const EnginePlan& p, const std::vector<core::ServingSeq>& seqs) {
  std::int64_t tokens = 0;
  for (const core::ServingSeq& s : seqs) tokens += s.q_tokens;
  return core::bytes_tensor("activations", std::max<std::int64_t>(1, tokens) * p.model.hidden * core::dtype_bytes(p.model.dtype),
                            core::MemoryTag::activations);
}

// The sampled token ids the last stage returns (4 bytes each; at least one word).
core::TensorDesc sampled_tokens(const std::vector<core::ServingSeq>& seqs) {
  std::int64_t sampled = 0;
  for (const core::ServingSeq& s : seqs) sampled += s.samples_token() ? 1 : 0;
  return core::bytes_tensor("sampled tokens", 4 * std::max<std::int64_t>(1, sampled), core::MemoryTag::activations);
}

// KV block changes as kv_cache tensors on this rank: one tensor per growth, all of a
// request's tensors released when it gives its blocks up.
class KvMirror {
 public:
  KvMirror(const EnginePlan& plan, Runtime& rt)
      : p_(plan), rt_(rt), block_bytes_(kv_block_bytes(plan.model, plan.parallel, plan.config)), kv_(plan.requests.size()) {}

  void apply(const std::vector<KvEvent>& events) {
    for (const KvEvent& e : events) {
      if (e.slot >= kv_.size()) kv_.resize(e.slot + 1);  // a prefix-cache entry (batch_scheduler.hpp)
      std::vector<Tensor>& held = kv_[e.slot];
      if (e.kind == KvEvent::Kind::grow) {
        if (e.blocks == 0) continue;
        const std::string owner = e.slot < p_.requests.size() ? rid(p_.requests[e.slot]) : "prefix cache";
        held.push_back(rt_.allocate(core::bytes_tensor("kv " + owner, e.blocks * block_bytes_,
                                                       core::MemoryTag::kv_cache)));
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

  bool empty() const {
    return std::all_of(kv_.begin(), kv_.end(), [](const std::vector<Tensor>& held) { return held.empty(); });
  }
  std::int64_t block_bytes() const { return block_bytes_; }

 private:
  const EnginePlan& p_;
  Runtime& rt_;
  std::int64_t block_bytes_;
  std::vector<std::vector<Tensor>> kv_;  // per request: its KV allocations
};

// The requests the engine admits at their arrival times: none on a decode instance of a
// disaggregated pool (they come when their KV does).
std::vector<std::size_t> trace_arrivals(const EnginePlan& p) {
  if (p.pool_link && p.pool_link->role() == PoolLink::Role::decode) return {};
  return arrival_order(p.requests);
}

// Fills `seqs` (a buffer reused step after step).
void step_seqs(const EnginePlan& p, const StepPlan& plan, std::vector<core::ServingSeq>& seqs) {
  seqs.clear();
  for (const ScheduledSeq& s : plan.seqs) {
    seqs.push_back(s.seq);
    // Sparse prefill switches on by the request's prompt length, not the chunk's.
    seqs.back().prompt_tokens = p.requests[s.slot].prompt_tokens;
  }
}

std::vector<core::ServingSeq> step_seqs(const EnginePlan& p, const StepPlan& plan) {
  std::vector<core::ServingSeq> seqs;
  seqs.reserve(plan.seqs.size());
  step_seqs(p, plan, seqs);
  return seqs;
}

// The first stage of an instance: arrivals, scheduling, its own layers, and the
// pipeline's bookkeeping. With pp = 1 a step is launched and waited for at once; with
// pp > 1 up to pp batches are in flight, each flowing through the stages.
class EngineRun {
 public:
  EngineRun(const EnginePlan& plan, Runtime& rt, EngineRecords* records, int tp_rank)
      : p_(plan),
        rt_(rt),
        rec_(records),
        tp_rank_(tp_rank),
        sched_(plan.config, make_blocks(plan), plan.requests, plan.parallel.pp),
        kv_(plan, rt),
        ops_(plan.model, plan.parallel, plan.config, 0),
        host_(plan.config.stack),
        order_(trace_arrivals(plan)),
        arrival_(initial_arrivals()) {
    if (link_ != nullptr) link_->configure(sched_);
    if (rec_ == nullptr) return;
    *rec_ = EngineRecords{};
    rec_->requests.resize(p_.requests.size());
    rec_->token_times_s.resize(p_.requests.size());
    rec_->kv_total_blocks = sched_.blocks().total_blocks();
    last_token_s_.resize(p_.requests.size());
    for (std::size_t i = 0; i < p_.requests.size(); ++i) {
      const ServingRequest& r = p_.requests[i];
      RequestMetrics& m = rec_->requests[i];
      m.id = r.id;
      m.arrival_s = arrival_[i];
      m.prompt = r.prompt_tokens;
      m.output = r.output_tokens;
      m.instance = p_.instance;
      m.prefill_instance = p_.instance;
    }
    reserve_itl();
  }

  void run() {
    if (!p_.routing_decision.empty()) rt_.log_decision("route", p_.routing_decision);
    Tensor weights = hold_weights(rt_, p_.config, 0);
    const std::size_t depth = static_cast<std::size_t>(p_.parallel.pp);
    std::size_t next = 0;
    while (true) {
      if (link_ != nullptr) poll_link(rt_.now_s());
      next = admit_arrivals(next);
      const double hold_ends = held_until_.empty() ? std::numeric_limits<double>::infinity() : release_holds();
      if (in_flight_.size() < depth && sched_.has_work() && start_step()) continue;
      if (!in_flight_.empty()) {
        finish_oldest();
        continue;
      }
      if (link_ != nullptr && link_->busy()) {  // KV hand-offs pending: a message or the next arrival
        poll_link(next < order_.size() ? arrival_[order_[next]] : std::numeric_limits<double>::infinity());
        continue;
      }
      if (!sched_.has_work()) {
        if (next == order_.size()) break;
        rt_.sleep_until(ready_s(order_[next]));
        continue;
      }
      if (sched_.holds_any()) {  // only held requests wait: until a hold or an arrival ends
        const double arrival = next < order_.size() ? ready_s(order_[next]) : hold_ends;
        rt_.sleep_until(std::min(hold_ends, arrival));
        continue;
      }
      throw std::logic_error("serving engine: work is queued but no step could be formed");
    }
    apply_kv(sched_.flush_prefix_cache());
    stop_stages();
    if (p_.remote_kv) p_.remote_kv->finish(rt_);
    if (link_ != nullptr) link_->finish(rt_);
    rt_.synchronize();
    if (weights.valid()) rt_.release(weights);
    finish();
  }

 private:
  struct InFlight {
    StepPlan plan;
    std::int64_t step = 0;
    double start_s = 0;
    core::Completion result;
    Tensor hidden;  // sent to stage 1; freed once the send is done
    core::Completion hidden_sent;
    Tensor tokens;  // the last stage's sampled tokens land here
  };

  bool pipelined() const { return p_.parallel.pp > 1; }

  // Disaggregation: the hand-off's messages; a request whose KV arrived has its first
  // token now (the prefill instance sampled it; the user sees it from here).
  void poll_link(double until) {
    const auto apply = [this](const std::vector<KvEvent>& events) { apply_kv(events); };
    for (std::size_t slot : link_->poll(rt_, sched_, apply, until)) {
      if (rec_ == nullptr) continue;
      rec_->requests[slot].first_token_s = rt_.now_s();
      last_token_s_[slot] = rt_.now_s();
      if (p_.config.record_token_times) rec_->token_times_s[slot].push_back(rt_.now_s());
    }
  }

  // Room for every gap the instance's requests can have, so a replay of millions of
  // tokens appends without regrowing (a decode instance of a disaggregated pool lists
  // every request but decodes only some: it grows as it goes).
  void reserve_itl() {
    if (link_ != nullptr) return;
    std::size_t gaps = 0;
    for (const ServingRequest& r : p_.requests) {
      if (r.id >= p_.config.first_measured_id && r.output_tokens > 1) gaps += static_cast<std::size_t>(r.output_tokens - 1);
    }
    rec_->itl_s.reserve(gaps);
  }

  // Arrival times per slot: the trace's, except in a closed loop, where requests after
  // the first `closed_loop` (in arrival order) wait for an earlier one to end.
  std::vector<double> initial_arrivals() {
    std::vector<double> arrivals(p_.requests.size());
    for (std::size_t i = 0; i < arrivals.size(); ++i) arrivals[i] = p_.requests[i].arrival_s;
    const std::size_t users = static_cast<std::size_t>(p_.config.closed_loop);
    if (users == 0) return arrivals;
    released_ = std::min(users, order_.size());
    for (std::size_t k = released_; k < order_.size(); ++k) arrivals[order_[k]] = std::numeric_limits<double>::infinity();
    return arrivals;
  }

  // Closed loop: a request ended (finished or rejected) at `now`; the next one arrives.
  void release_next(double now) {
    if (p_.config.closed_loop == 0 || released_ >= order_.size()) return;
    const std::size_t slot = order_[released_++];
    arrival_[slot] = std::max(now, p_.requests[slot].arrival_s);
    if (rec_ != nullptr) rec_->requests[slot].arrival_s = arrival_[slot];
  }

  // When the engine sees a request: its arrival plus the stack's per-request costs
  // outside the engine loop (HTTP, tokenisation, the first token's way back; recorded
  // arrival stays the client's, so they count in TTFT and e2e). Requests are taken in
  // arrival order, so one still being tokenised holds back later ones (a frontend that
  // hands requests on in order).
  double ready_s(std::size_t slot) const {
    return arrival_[slot] + p_.config.stack.request_overhead_s(p_.requests[slot].prompt_tokens);
  }

  std::size_t admit_arrivals(std::size_t next) {
    const double now = rt_.now_s();
    for (; next < order_.size() && ready_s(order_[next]) <= now; ++next) {
      const std::size_t slot = order_[next];
      if (sched_.enqueue(slot)) continue;
      const ServingRequest& r = p_.requests[slot];
      rt_.log_decision("reject", rid(r) + ": prompt " + std::to_string(r.prompt_tokens) + " + output " +
                                     std::to_string(r.output_tokens) +
                                     " tokens never fit the KV cache or the token budget");
      if (rec_ != nullptr) {
        rec_->requests[slot].rejected = true;
        ++rec_->requests_ended;
      }
      release_next(now);
    }
    return next;
  }

  // Schedules one step and runs (pp = 1) or starts (pp > 1) it; false when nothing could
  // be scheduled (everything runnable is in flight, or nothing fits yet).
  bool start_step() {
    StepPlan plan = sched_.schedule();
    if (plan.idle() && plan.preemptions.empty()) return false;
    if (p_.remote_kv) place_remote(plan);
    plan.waiting = static_cast<std::int64_t>(sched_.queued());
    log(plan);
    apply_kv(plan.kv_events);
    if (link_ != nullptr) link_->step_started(rt_, plan, sched_);
    const std::int64_t step = step_++;
    const double start = rt_.now_s();
    if (plan.idle()) {  // only recompute preemptions: nothing runs
      complete(plan, step, start, start);
      return true;
    }
    step_seqs(p_, plan, seqs_);
    const std::vector<core::ServingSeq>& seqs = seqs_;
    if (p_.remote_kv) {  // recompute preemption only: no swap copies
      p_.remote_kv->run_step(rt_, step, seqs, request_ids(plan),
                             [&](const std::vector<core::ServingSeq>& local) -> const core::KernelOp& {
                               return ops_.build(step, local, 0, 0);
                             });
      complete(plan, step, start, rt_.now_s());
      return true;
    }
    const core::KernelOp& op = ops_.build(step, seqs, plan.swap_out_blocks * kv_.block_bytes(),
                                          plan.swap_in_blocks * kv_.block_bytes());
    if (!pipelined()) {
      host_.run_step(rt_, op, seqs);
      complete(plan, step, start, rt_.now_s());
      return true;
    }
    host_.before_batch(rt_, op, seqs);
    post_batch(step, seqs, plan, false);
    rt_.wait(rt_.launch(op, core::kComputeStream));
    Tensor hidden = rt_.allocate(activations(p_, seqs));
    const core::Completion sent = rt_.send(hidden, stage_rank(p_, 1, tp_rank_), core::kSendStream, kActivationTag);
    Tensor tokens = rt_.allocate(sampled_tokens(seqs));
    const core::Completion result =
        rt_.recv(tokens, stage_rank(p_, p_.parallel.pp - 1, tp_rank_), core::kRecvStream, kResultTag);
    in_flight_.push_back({std::move(plan), step, start, result, hidden, sent, tokens});
    return true;
  }

  std::vector<std::int64_t> request_ids(const StepPlan& plan) const {
    std::vector<std::int64_t> ids;
    ids.reserve(plan.seqs.size());
    for (const ScheduledSeq& item : plan.seqs) ids.push_back(p_.requests[item.slot].id);
    return ids;
  }

  // A KV cache spread over instances: each growth is placed through remote_kv before the
  // step runs. A request the cluster has no room for leaves the step, is recomputed later
  // and is held back from admission for a back-off growing with its failures in a row
  // (the others behind it go first); after kMaxPlacementFailures it is rejected, so a
  // request no cluster state can hold ends instead of retrying forever.
  void place_remote(StepPlan& plan) {
    static constexpr int kMaxPlacementFailures = 1000;
    static constexpr double kBackoffStepS = 0.05;
    static constexpr double kMaxBackoffS = 1.0;
    const std::vector<KvEvent> events = plan.kv_events;
    for (const KvEvent& e : events) {
      if (e.kind != KvEvent::Kind::grow || e.blocks == 0) continue;
      const ServingRequest& r = p_.requests[e.slot];
      if (p_.remote_kv->grow(rt_, r.id, e.blocks)) {
        placement_failures_.erase(e.slot);
        continue;
      }
      const int failures = ++placement_failures_[e.slot];
      const bool give_up = failures >= kMaxPlacementFailures;
      withdrawn_.insert(e.slot);
      sched_.withdraw(plan, e.slot, give_up);
      rt_.log_decision(give_up ? "reject" : "distkv_withdraw",
                       rid(r) + ": no room for " + std::to_string(e.blocks) + " more blocks in the cluster");
      if (give_up) {
        if (rec_ != nullptr) {
          rec_->requests[e.slot].rejected = true;
          ++rec_->requests_ended;
        }
        continue;
      }
      sched_.hold(e.slot, true);
      held_until_[e.slot] = rt_.now_s() + std::min(kMaxBackoffS, kBackoffStepS * failures);
    }
  }

  // Releases the holds whose back-off has passed; returns when the next one ends (or
  // infinity when none is held).
  double release_holds() {
    double next = std::numeric_limits<double>::infinity();
    for (auto it = held_until_.begin(); it != held_until_.end();) {
      if (it->second <= rt_.now_s()) {
        sched_.hold(it->first, false);
        it = held_until_.erase(it);
      } else {
        next = std::min(next, it->second);
        ++it;
      }
    }
    return next;
  }

  void finish_oldest() {
    InFlight batch = std::move(in_flight_.front());
    in_flight_.pop_front();
    rt_.wait(batch.result);
    rt_.wait(batch.hidden_sent);
    rt_.release(batch.hidden);
    rt_.release(batch.tokens);
    if (host_.active()) host_.after_batch(rt_, step_seqs(p_, batch.plan));
    complete(batch.plan, batch.step, batch.start_s, rt_.now_s());
  }

  void complete(const StepPlan& plan, std::int64_t step, double start, double end) {
    const StepOutcome outcome = sched_.complete(plan);
    apply_kv(outcome.kv_events);
    if (link_ != nullptr) link_->step_completed(rt_, outcome, sched_);
    record(plan, outcome, step, start, end);
    for (std::size_t i = 0; i < outcome.finished.size(); ++i) release_next(end);
  }

  void log(const StepPlan& plan) {
    if (plan.preemptions.empty() && !p_.config.log_batches) return;
    const std::string step = "step " + std::to_string(step_);
    for (const Preemption& pre : plan.preemptions) {
      rt_.log_decision("preempt", step + " " + rid(p_.requests[pre.slot]) + " " + std::string(to_string(pre.mode)) +
                                      " (" + std::to_string(pre.blocks) + " blocks)");
    }
    if (p_.config.log_batches) rt_.log_decision("batch", step + " " + describe_step(plan, sched_));
  }

  // Mirrors block changes here and queues them for the other stages.
  void apply_kv(const std::vector<KvEvent>& events) {
    if (p_.remote_kv) {
      // The blocks live in the DistKV agents' pools (they mirror them into memory); the
      // engine only says which requests let go of theirs.
      for (const KvEvent& e : events) {
        if (e.kind != KvEvent::Kind::release) continue;
        if (withdrawn_.erase(e.slot) != 0) continue;  // its placement failed: nothing is held
        p_.remote_kv->release(rt_, p_.requests[e.slot].id);
      }
      return;
    }
    kv_.apply(events);
    if (pipelined()) pending_kv_.insert(pending_kv_.end(), events.begin(), events.end());
  }

  void post_batch(std::int64_t step, const std::vector<core::ServingSeq>& seqs, const StepPlan& plan, bool stop) {
    StageBatch b;
    b.sequence = messages_++;
    b.step = step;
    b.stop = stop;
    b.seqs = seqs;
    b.kv_events = std::move(pending_kv_);
    pending_kv_.clear();
    b.swap_out_blocks = plan.swap_out_blocks;
    b.swap_in_blocks = plan.swap_in_blocks;
    core::Message m;
    m.type = kBatchMessage;
    m.payload = encode_stage_batch(b);
    m.bytes = static_cast<std::int64_t>(m.payload.size());
    for (int s = 1; s < p_.parallel.pp; ++s) rt_.post_message(stage_rank(p_, s, tp_rank_), m);
  }

  void stop_stages() {
    if (pipelined()) post_batch(step_, {}, StepPlan{}, true);
  }

  void record(const StepPlan& plan, const StepOutcome& outcome, std::int64_t step, double start, double end) {
    if (rec_ == nullptr) return;
    EngineCounters& c = rec_->counters;
    StepRecord s;
    s.index = step;
    s.start_s = start;
    s.end_s = end;
    s.tokens = plan.tokens;
    s.preemptions = static_cast<int>(plan.preemptions.size());
    s.kv_blocks_used = sched_.blocks().used_blocks();
    for (const ScheduledSeq& item : plan.seqs) {
      (item.seq.decode ? s.decodes : s.prefill_chunks) += 1;
      c.max_context_tokens = std::max(c.max_context_tokens, item.seq.context_before + item.seq.q_tokens);
      RequestMetrics& m = rec_->requests[item.slot];
      if (m.first_scheduled_s < 0) {
        m.first_scheduled_s = start;
        m.cached_tokens = std::max<std::int64_t>(0, sched_.state(item.slot).first_cached_tokens);
      }
    }
    for (std::size_t slot : outcome.sampled) {
      RequestMetrics& m = rec_->requests[slot];
      if (m.first_token_s < 0) {
        m.first_token_s = end;
      } else if (m.id >= p_.config.first_measured_id) {
        rec_->itl_s.push_back(end - last_token_s_[slot]);
      }
      last_token_s_[slot] = end;
      if (p_.config.record_token_times) rec_->token_times_s[slot].push_back(end);
    }
    for (std::size_t slot : outcome.finished) rec_->requests[slot].finish_s = end;
    rec_->requests_ended += static_cast<std::int64_t>(outcome.finished.size() - outcome.handed_off.size());
    rec_->samples.push_back({end, static_cast<std::int32_t>(plan.seqs.size()), static_cast<std::int32_t>(plan.waiting),
                             sched_.blocks().used_blocks()});
    for (const Preemption& pre : plan.preemptions) rec_->requests[pre.slot].preemptions += 1;
    c.steps += 1;
    c.preemptions += static_cast<std::int64_t>(plan.preemptions.size());
    c.swap_out_bytes += plan.swap_out_blocks * kv_.block_bytes();
    c.swap_in_bytes += plan.swap_in_blocks * kv_.block_bytes();
    if (p_.config.record_steps) rec_->steps.push_back(s);
  }

  void finish() {
    const BlockManager& b = sched_.blocks();
    if (b.used_blocks() != 0 || b.host_used_blocks() != 0 || b.allocated_blocks() != b.freed_blocks() ||
        !kv_.empty()) {
      throw std::logic_error("serving engine: KV blocks still held after every request ended");
    }
    if (rec_ == nullptr) return;
    EngineCounters& c = rec_->counters;
    c.peak_kv_bytes = b.peak_used_blocks() * kv_.block_bytes();
    c.blocks_allocated = b.allocated_blocks();
    c.blocks_freed = b.freed_blocks();
    c.prefix = sched_.prefix_stats();
  }

  const EnginePlan& p_;
  Runtime& rt_;
  EngineRecords* rec_;
  PoolLink* link_ = p_.pool_link.get();
  int tp_rank_;
  BatchScheduler sched_;
  KvMirror kv_;
  StepOpBuilder ops_;
  HostWork host_;
  std::vector<std::size_t> order_;  // requests by arrival
  std::size_t released_ = 0;        // closed loop: requests (in order_) given an arrival time
  std::vector<double> arrival_;     // per slot: when the request arrives
  std::int64_t step_ = 0;
  std::deque<InFlight> in_flight_;
  std::map<std::size_t, int> placement_failures_;  // slot -> failed placements in a row (remote_kv)
  std::set<std::size_t> withdrawn_;                 // slots whose release event follows a failed placement
  std::map<std::size_t, double> held_until_;        // withdrawn slots held back from admission, until
  std::vector<KvEvent> pending_kv_;  // block changes the other stages have not been told
  std::int64_t messages_ = 0;
  std::vector<core::ServingSeq> seqs_;  // the step being started's sequences
  std::vector<double> last_token_s_;    // per slot: when its latest token was sampled (recording rank only)
};

// A later pipeline stage: for each batch the first stage announces, receive the
// previous stage's activations, run this stage's layers, pass them on (or, from the last
// stage, return the sampled tokens to the first).
class StageRun {
 public:
  StageRun(const EnginePlan& plan, Runtime& rt, InstancePosition where)
      : p_(plan), rt_(rt), where_(where), kv_(plan, rt), ops_(plan.model, plan.parallel, plan.config, where.stage) {}

  void run() {
    Tensor weights = hold_weights(rt_, p_.config, where_.stage);
    const bool last = where_.stage == p_.parallel.pp - 1;
    const int previous = stage_rank(p_, where_.stage - 1, where_.tp_rank);
    const int onward = last ? stage_rank(p_, 0, where_.tp_rank) : stage_rank(p_, where_.stage + 1, where_.tp_rank);
    while (true) {
      const StageBatch b = next_batch();
      kv_.apply(b.kv_events);
      if (b.stop) break;
      Tensor input = rt_.allocate(activations(p_, b.seqs));
      rt_.wait(rt_.recv(input, previous, core::kRecvStream, kActivationTag));
      const core::KernelOp& op = ops_.build(b.step, b.seqs, b.swap_out_blocks * kv_.block_bytes(),
                                            b.swap_in_blocks * kv_.block_bytes());
      rt_.wait(rt_.launch(op, core::kComputeStream));
      rt_.release(input);
      release_sent();
      sending_ = last ? rt_.allocate(sampled_tokens(b.seqs))
                      : rt_.allocate(activations(p_, b.seqs));
      sent_ = rt_.send(sending_, onward, core::kSendStream, last ? kResultTag : kActivationTag);
    }
    release_sent();
    rt_.synchronize();
    if (weights.valid()) rt_.release(weights);
    if (!kv_.empty()) throw std::logic_error("serving engine: a pipeline stage still holds KV after the run");
  }

 private:
  // The previous batch's outgoing buffer lives until its send is done; waiting for it
  // only after the next batch's compute keeps the send overlapped with that compute.
  void release_sent() {
    if (!sending_.valid()) return;
    rt_.wait(sent_);
    rt_.release(sending_);
    sending_ = Tensor{};
  }

  // Messages may overtake each other on the network; batches run in posting order.
  StageBatch next_batch() {
    while (true) {
      auto it = early_.find(expected_);
      if (it != early_.end()) {
        StageBatch b = std::move(it->second);
        early_.erase(it);
        ++expected_;
        return b;
      }
      const std::optional<core::Message> m = rt_.receive_message(-1);
      if (!m || m->type != kBatchMessage) throw std::logic_error("serving engine: a pipeline stage got an unknown message");
      StageBatch b = decode_stage_batch(m->payload);
      early_.emplace(b.sequence, std::move(b));
    }
  }

  const EnginePlan& p_;
  Runtime& rt_;
  InstancePosition where_;
  KvMirror kv_;
  StepOpBuilder ops_;
  std::map<std::int64_t, StageBatch> early_;
  std::int64_t expected_ = 0;
  Tensor sending_;  // the last outgoing message, until its send is done
  core::Completion sent_;
};

}  // namespace

std::int64_t kv_block_bytes(const core::ModelSpec& model, const core::ParallelConfig& parallel,
                            const EngineConfig& config) {
  return config.block_size_tokens * core::kv_bytes_per_token_per_layer(model, parallel, config.precision) *
         stage_layers(model.layers, parallel.pp);
}

void validate_engine_plan(const EnginePlan& plan, const std::string& where) {
  validate_engine_config(plan.config, where);
  validate_requests(plan.requests, where);
  if (plan.parallel.tp < 1) throw core::InputError(where + ": tp must be >= 1");
  if (plan.parallel.pp < 1) throw core::InputError(where + ": pp must be >= 1");
  if (plan.model.layers <= 0) throw core::InputError(where + ": the model has no layers");
  if (plan.model.layers % plan.parallel.pp != 0) {
    throw core::InputError(where + ": pp " + std::to_string(plan.parallel.pp) + " must divide the model's " +
                           std::to_string(plan.model.layers) + " layers");
  }
  if (plan.first_rank < 0) throw core::InputError(where + ": first_rank must be >= 0");
  if (plan.pool_link && (plan.parallel.pp != 1 || plan.remote_kv)) {
    throw core::InputError(where + ": a disaggregated pool's instance runs with pp = 1 and its own KV");
  }
  if (plan.remote_kv && plan.parallel.pp != 1) {
    throw core::InputError(where + ": a KV cache spread over instances (DistKV) runs with pp = 1 (got pp " +
                           std::to_string(plan.parallel.pp) + ")");
  }
  if (plan.config.prefix_cache) validate_prefix_plan(plan, where);
  const std::int64_t block_bytes = kv_block_bytes(plan.model, plan.parallel, plan.config);
  if (plan.config.kv_budget_bytes < block_bytes) {
    throw core::InputError(where + ": kv_budget_bytes " + std::to_string(plan.config.kv_budget_bytes) +
                           " holds no KV block of " + std::to_string(block_bytes) + " bytes");
  }
}

core::RankProgram make_engine_program(EnginePlan plan, std::shared_ptr<EngineRecords> records) {
  validate_engine_plan(plan, "serving instance " + std::to_string(plan.instance));
  auto shared = std::make_shared<const EnginePlan>(std::move(plan));
  return [shared, records](Runtime& rt) {
    const InstancePosition where = position_of(*shared, rt.rank());
    if (where.stage == 0) {
      EngineRun(*shared, rt, records.get(), where.tp_rank).run();
    } else {
      StageRun(*shared, rt, where).run();
    }
  };
}

}  // namespace lcperf::schedulers::serving
