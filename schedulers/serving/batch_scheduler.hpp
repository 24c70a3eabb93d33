#pragma once
// The policy half of the engine: queues, step composition and preemption, with no
// runtime in sight (engine.hpp drives it through the seam). Iteration-level scheduling
// as in vLLM v0 with chunked prefill:
//
// - Queues: `running` in admission order, `swapped` (FCFS), `waiting` (FCFS; a
//   recompute-preempted request goes back to its front).
// - A step takes, within max_num_batched_tokens: every running decode (oldest first),
//   then chunks of running prefills, then swapped requests brought back, then new
//   admissions from the waiting queue. Swap-ins and admissions are skipped in a step
//   that preempted, so a request is never evicted and readmitted in one step.
// - A decode that needs a block nobody has free preempts the newest running request,
//   itself last.
// - Admission allocates the blocks of the whole prefill (vLLM v0 does the same), so only
//   decodes grow and only decodes preempt. Admission keeps the watermark free.
// - Pipeline parallelism keeps several batches in flight: a request in one of them is
//   neither scheduled again nor preempted until its batch completes, and each batch
//   takes at most 1/depth of the decoding requests.
// - Without chunked prefill a prompt is prefilled whole (only a recompute target longer
//   than the token budget is split), and a step that prefills does nothing else.
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/serving_ops.hpp"
#include "schedulers/serving/block_manager.hpp"
#include "schedulers/serving/engine_config.hpp"
#include "schedulers/serving/prefix_cache.hpp"
#include "schedulers/serving/request_state.hpp"

namespace lcperf::schedulers::serving {

// Requests are named by their slot: the index of their state in the scheduler.
struct ScheduledSeq {
  std::size_t slot = 0;
  core::ServingSeq seq;
};

// A change in the device blocks a request holds, for the engine to mirror through the
// seam's memory accounting.
struct KvEvent {
  enum class Kind { grow, release };
  std::size_t slot = 0;
  Kind kind = Kind::grow;
  std::int64_t blocks = 0;  // grow: blocks added; release: all blocks of the request
};

struct Preemption {
  std::size_t slot = 0;
  PreemptionMode mode = PreemptionMode::recompute;
  std::int64_t blocks = 0;  // device blocks it gave up
};

struct StepPlan {
  std::vector<ScheduledSeq> seqs;  // decodes first, then prefill chunks
  std::vector<KvEvent> kv_events;  // in the order they happened
  std::vector<Preemption> preemptions;
  std::vector<std::size_t> swapped_in;
  std::int64_t tokens = 0;
  std::int64_t swap_out_blocks = 0;
  std::int64_t swap_in_blocks = 0;
  // Requests left in the waiting and swapped queues once the step was composed (the
  // engine notes it from queued(), for its time series).
  std::int64_t waiting = 0;

  // Nothing to run on the device (a step may still have preempted by recompute).
  bool idle() const { return seqs.empty() && swap_out_blocks == 0 && swap_in_blocks == 0; }
};

// What running a step changed.
struct StepOutcome {
  std::vector<std::size_t> sampled;   // slots that produced a token
  std::vector<std::size_t> finished;  // slots done, their blocks released (unless handed off)
  std::vector<std::size_t> handed_off;  // prefill side: finished here, blocks kept for the transfer
  std::vector<KvEvent> kv_events;
};

class BatchScheduler {
 public:
  // `pipeline_depth` batches may be in flight at once (pipeline parallelism); each then
  // takes at most 1/depth of the decoding requests, so the batches in flight share them
  // evenly instead of the first taking all (vLLM balances its virtual engines alike).
  BatchScheduler(const EngineConfig& config, BlockManager blocks, std::vector<ServingRequest> requests,
                 int pipeline_depth = 1);

  // An arrived request joins the waiting queue. Returns false, and marks it rejected,
  // when it can never run: its KV would not fit even alone, or (without chunked
  // prefill) its prompt exceeds the token budget.
  bool enqueue(std::size_t slot);
  bool has_work() const { return !running_.empty() || !waiting_.empty() || !swapped_.empty(); }
  // Requests that arrived and are not running: the waiting and swapped queues.
  std::size_t queued() const { return waiting_.size() + swapped_.size(); }

  StepPlan schedule();
  StepOutcome complete(const StepPlan& plan);

  // Takes `slot` out of a planned step after its blocks could not be placed (a KV cache
  // spread over instances found no room): its sequence leaves the plan, its blocks are
  // freed (a release event) and it is preempted by recompute, or rejected for good when
  // `give_up`. Returns whether it was in the plan.
  bool withdraw(StepPlan& plan, std::size_t slot, bool give_up);
  // A held waiting request is passed over by admissions (the others behind it go
  // first) until released; the engine holds a withdrawn request for a back-off.
  void hold(std::size_t slot, bool held);
  bool holds_any() const { return !held_.empty(); }

  // Prefix caching (batch_scheduler_prefix.cpp): at the end of a run, frees every entry
  // still cached (release events on the cache's KV slots); and what the cache did.
  std::vector<KvEvent> flush_prefix_cache();
  const PrefixCacheStats& prefix_stats() const { return prefix_stats_; }
  // KV slots >= size() are prefix-cache entries (KvEvent::slot), not requests.
  bool is_cache_slot(std::size_t slot) const { return slot >= states_.size(); }
  // Disaggregated prefill and decode (disaggregation.hpp). Prefill side: a request ends
  // here once it has sampled its first token (StepOutcome::handed_off, when it has more to
  // generate), keeping its blocks until its KV has left (`release_handed_off`: its own
  // blocks are freed and its prefix-cache entries let go, so they stay cached, in LRU
  // order, for later prompts).
  void hand_off_after_prefill() { hand_off_ = true; }
  std::vector<KvEvent> release_handed_off(std::size_t slot);
  // Decode side: reserves the blocks of a prompt prefilled elsewhere (watermark kept;
  // nullopt when there is no room or seat now); the request then runs as a decode with
  // its first token sampled, once `kv_arrived` says its KV is here.
  std::optional<KvEvent> reserve_prefilled(std::size_t slot);
  void kv_arrived(std::size_t slot);

  const RequestState& state(std::size_t slot) const { return states_[slot]; }
  std::size_t size() const { return states_.size(); }
  const BlockManager& blocks() const { return blocks_; }

 private:
  void schedule_decodes(StepPlan& plan);
  void schedule_running_prefills(StepPlan& plan);
  void schedule_swapped(StepPlan& plan);
  void schedule_waiting(StepPlan& plan);
  void add_decode(StepPlan& plan, std::size_t slot);
  void add_prefill(StepPlan& plan, std::size_t slot, std::int64_t take);
  void grow(StepPlan& plan, std::size_t slot, std::int64_t tokens);
  void preempt(StepPlan& plan, std::size_t slot);
  // Frees the blocks of `slot` and puts it at the front of the waiting queue to be
  // prefilled again (a recompute preemption, recorded in the plan).
  void requeue_for_recompute(StepPlan& plan, std::size_t slot);
  // The newest running request not in a batch in flight: the next preemption victim.
  std::size_t newest_idle_running() const;
  // Prefill tokens `slot` may take with `budget` tokens left in the step (0 = none).
  std::int64_t chunk_for(std::size_t slot, std::int64_t budget) const;
  std::int64_t budget_left(const StepPlan& plan) const { return config_.max_num_batched_tokens - plan.tokens; }
  bool seats_left() const { return static_cast<int>(running_.size()) < config_.max_num_seqs; }
  // Blocks of `slot`'s own KV for `tokens` in all: those beyond its cached prefix blocks.
  std::int64_t own_tokens(std::size_t slot, std::int64_t tokens) const { return tokens - states_[slot].cache_tokens; }
  // Prefix caching (batch_scheduler_prefix.cpp). attach: hold the cached prefix of a
  // waiting request (its prefill starts after it); allocate_prompt: the admission's
  // blocks, new cache entries included, evicting unheld entries for room (false when
  // it does not fit); detach: let go of its entries; evict_one: free the LRU entry.
  void attach_prefix(std::size_t slot);
  bool allocate_prompt(StepPlan& plan, std::size_t slot);
  void detach_prefix(std::vector<KvEvent>& events, std::size_t slot);
  bool evict_one(std::vector<KvEvent>& events);
  void index_computed(std::size_t slot);
  std::int64_t entry_key(int id) const { return -1 - static_cast<std::int64_t>(id); }
  std::size_t entry_slot(int id) const { return states_.size() + static_cast<std::size_t>(id); }

  EngineConfig config_;
  int depth_;
  BlockManager blocks_;
  std::vector<RequestState> states_;
  std::vector<std::size_t> running_;
  std::deque<std::size_t> waiting_;
  std::deque<std::size_t> swapped_;
  std::set<std::size_t> held_;
  std::optional<PrefixCache> cache_;
  std::int64_t cache_block_tokens_ = 0;  // tokens of one prefix block
  PrefixCacheStats prefix_stats_;
  bool hand_off_ = false;
};

// The step's composition as deterministic text for the decision log, e.g.
// "tokens 2051 | decode r0 r1 r2 | prefill r3[0+2048/10000] | swap_in r4".
std::string describe_step(const StepPlan& plan, const BatchScheduler& scheduler);

}  // namespace lcperf::schedulers::serving
