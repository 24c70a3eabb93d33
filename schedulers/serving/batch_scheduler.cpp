#include "schedulers/serving/batch_scheduler.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace lcperf::schedulers::serving {

namespace {

// The block manager names requests by slot too.
std::int64_t key(std::size_t slot) { return static_cast<std::int64_t>(slot); }

}  // namespace

BatchScheduler::BatchScheduler(const EngineConfig& config, BlockManager blocks, std::vector<ServingRequest> requests,
                               int pipeline_depth)
    : config_(config), depth_(std::max(1, pipeline_depth)), blocks_(std::move(blocks)) {
  states_.reserve(requests.size());
  for (const ServingRequest& r : requests) states_.emplace_back(r);
  if (config_.prefix_cache) {
    cache_.emplace();
    for (const ServingRequest& r : requests) cache_block_tokens_ = std::max(cache_block_tokens_, r.prefix_block_tokens);
  }
}

bool BatchScheduler::enqueue(std::size_t slot) {
  RequestState& s = states_.at(slot);
  if (s.phase != Phase::pending) throw std::logic_error("serving scheduler: request enqueued twice");
  const bool too_long_unchunked = !config_.chunked_prefill && s.request.prompt_tokens > config_.max_num_batched_tokens;
  // A prefill-only instance holds the prompt's KV, never the output's.
  const std::int64_t peak = hand_off_ ? s.request.prompt_tokens : s.peak_tokens();
  if (too_long_unchunked || !blocks_.ever_fits(peak)) {
    s.phase = Phase::rejected;
    return false;
  }
  s.phase = Phase::waiting;
  waiting_.push_back(slot);
  return true;
}

StepPlan BatchScheduler::schedule() {
  StepPlan plan;
  plan.seqs.reserve(running_.size() + 1);  // steps come by the million: grow once, mostly
  if (!config_.chunked_prefill && !config_.prefill_with_decodes) {
    // Prefill priority (vLLM v0 without chunking): a step with prompts runs only them.
    // Swapped requests come back before new prompts are admitted; a prefill already
    // running (a recompute split at the budget) always goes on, since it holds blocks.
    schedule_running_prefills(plan);
    if (swapped_.empty()) schedule_waiting(plan);
    if (!plan.seqs.empty()) return plan;
    schedule_decodes(plan);
    if (plan.preemptions.empty()) schedule_swapped(plan);
    return plan;
  }
  // Decodes first, then prompts in what the budget leaves: chunks of them with chunked
  // prefill, whole ones (chunk_for) with prefill_with_decodes.
  schedule_decodes(plan);
  schedule_running_prefills(plan);
  if (plan.preemptions.empty()) {
    schedule_swapped(plan);
    schedule_waiting(plan);
  }
  return plan;
}

void BatchScheduler::schedule_decodes(StepPlan& plan) {
  // Victims come from the back of `running`, which the loop has not reached yet; the
  // request at index i is preempted only when it is the newest left.
  std::size_t limit = running_.size();
  if (depth_ > 1) {
    const auto decoding = static_cast<std::size_t>(std::count_if(
        running_.begin(), running_.end(), [this](std::size_t slot) { return !states_[slot].prefilling(); }));
    limit = (decoding + static_cast<std::size_t>(depth_) - 1) / static_cast<std::size_t>(depth_);
  }
  std::size_t taken = 0;
  std::size_t i = 0;
  while (i < running_.size()) {
    const std::size_t slot = running_[i];
    if (states_[slot].prefilling() || states_[slot].in_flight || states_[slot].awaiting_kv) {
      ++i;
      continue;
    }
    if (budget_left(plan) < 1 || taken == limit) return;
    ++taken;
    const std::int64_t need = own_tokens(slot, states_[slot].computed + 1);
    bool self_preempted = false;
    while (!blocks_.can_append(key(slot), need)) {
      if (evict_one(plan.kv_events)) continue;  // unheld cached blocks go before running requests
      const std::size_t victim = newest_idle_running();
      preempt(plan, victim);
      if (victim == slot) {
        self_preempted = true;
        break;
      }
    }
    if (self_preempted) return;
    grow(plan, slot, need);
    add_decode(plan, slot);
    ++i;
  }
}

void BatchScheduler::schedule_running_prefills(StepPlan& plan) {
  for (std::size_t slot : running_) {
    if (!states_[slot].prefilling() || states_[slot].in_flight) continue;
    const std::int64_t take = chunk_for(slot, budget_left(plan));
    if (take == 0) return;
    add_prefill(plan, slot, take);
  }
}

void BatchScheduler::schedule_swapped(StepPlan& plan) {
  while (!swapped_.empty()) {
    const std::size_t slot = swapped_.front();
    const std::int64_t need = own_tokens(slot, states_[slot].computed + 1);
    while (!blocks_.can_swap_in(key(slot), need) && evict_one(plan.kv_events)) {
    }
    if (budget_left(plan) < 1 || !seats_left() || !blocks_.can_swap_in(key(slot), need)) return;
    swapped_.pop_front();
    const std::int64_t moved = blocks_.swap_in(key(slot));
    plan.swap_in_blocks += moved;
    plan.swapped_in.push_back(slot);
    plan.kv_events.push_back({slot, KvEvent::Kind::grow, moved});
    states_[slot].phase = Phase::running;
    running_.push_back(slot);
    grow(plan, slot, need);
    add_decode(plan, slot);
  }
}

void BatchScheduler::schedule_waiting(StepPlan& plan) {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    const std::size_t slot = *it;
    if (held_.count(slot) != 0) {
      ++it;
      continue;
    }
    RequestState& s = states_[slot];
    if (!seats_left()) return;
    if (cache_) attach_prefix(slot);  // its prefill starts after the cached prefix
    const std::int64_t take = chunk_for(slot, budget_left(plan));
    if (take == 0 || !allocate_prompt(plan, slot)) {
      if (cache_) detach_prefix(plan.kv_events, slot);
      s.computed = 0;
      return;
    }
    it = waiting_.erase(it);
    s.phase = Phase::running;
    running_.push_back(slot);
    add_prefill(plan, slot, take);
  }
}

std::size_t BatchScheduler::newest_idle_running() const {
  // Requests of a batch in flight are not preempted under it; the request asking for a
  // block is itself idle, so the search always ends.
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
    if (!states_[*it].in_flight && !states_[*it].awaiting_kv) return *it;
  }
  throw std::logic_error("serving scheduler: no running request to preempt");
}

std::int64_t BatchScheduler::chunk_for(std::size_t slot, std::int64_t budget) const {
  const std::int64_t remaining = states_[slot].remaining_prefill();
  if (config_.chunked_prefill) return std::min({remaining, config_.prefill_chunk_tokens, budget});
  // Whole prompts only; a recompute target beyond the budget is split at the budget.
  const std::int64_t want = std::min(remaining, config_.max_num_batched_tokens);
  return want <= budget ? want : 0;
}

void BatchScheduler::add_decode(StepPlan& plan, std::size_t slot) {
  const RequestState& s = states_[slot];
  core::ServingSeq seq;
  seq.q_tokens = 1;
  seq.context_before = s.computed;
  seq.decode = true;
  plan.seqs.push_back({slot, seq});
  states_[slot].in_flight = true;
  plan.tokens += 1;
}

void BatchScheduler::add_prefill(StepPlan& plan, std::size_t slot, std::int64_t take) {
  const RequestState& s = states_[slot];
  core::ServingSeq seq;
  seq.q_tokens = take;
  seq.context_before = s.computed;
  seq.final_chunk = s.computed + take == s.prefill_target;
  plan.seqs.push_back({slot, seq});
  states_[slot].in_flight = true;
  plan.tokens += take;
}

void BatchScheduler::grow(StepPlan& plan, std::size_t slot, std::int64_t tokens) {
  const std::int64_t added = blocks_.append(key(slot), tokens);
  if (added > 0) plan.kv_events.push_back({slot, KvEvent::Kind::grow, added});
}

void BatchScheduler::preempt(StepPlan& plan, std::size_t slot) {
  RequestState& s = states_[slot];
  running_.erase(std::find(running_.begin(), running_.end(), slot));
  ++s.preemptions;
  // A request still prefilling has nothing worth saving that a swap would keep cheaper
  // than its own recompute, and a full host falls back to recompute as well.
  const bool swap = config_.preemption == PreemptionMode::swap && !s.prefilling() && blocks_.can_swap_out(key(slot));
  if (swap) {
    const std::int64_t moved = blocks_.swap_out(key(slot));
    plan.swap_out_blocks += moved;
    plan.kv_events.push_back({slot, KvEvent::Kind::release, moved});
    plan.preemptions.push_back({slot, PreemptionMode::swap, moved});
    s.phase = Phase::swapped;
    swapped_.push_back(slot);
    return;
  }
  requeue_for_recompute(plan, slot);
}

void BatchScheduler::requeue_for_recompute(StepPlan& plan, std::size_t slot) {
  RequestState& s = states_[slot];
  const std::int64_t freed = blocks_.free(key(slot));
  plan.kv_events.push_back({slot, KvEvent::Kind::release, freed});
  plan.preemptions.push_back({slot, PreemptionMode::recompute, freed});
  if (cache_) detach_prefix(plan.kv_events, slot);
  s.restart_for_recompute();
  s.phase = Phase::waiting;
  waiting_.push_front(slot);
}

bool BatchScheduler::withdraw(StepPlan& plan, std::size_t slot, bool give_up) {
  const auto seq = std::find_if(plan.seqs.begin(), plan.seqs.end(), [slot](const ScheduledSeq& s) { return s.slot == slot; });
  if (seq == plan.seqs.end()) return false;
  plan.tokens -= seq->seq.q_tokens;
  plan.seqs.erase(seq);
  RequestState& s = states_[slot];
  s.in_flight = false;
  running_.erase(std::find(running_.begin(), running_.end(), slot));
  if (give_up) {
    plan.kv_events.push_back({slot, KvEvent::Kind::release, blocks_.free(key(slot))});
    if (cache_) detach_prefix(plan.kv_events, slot);
    s.phase = Phase::rejected;
    return true;
  }
  ++s.preemptions;
  requeue_for_recompute(plan, slot);
  return true;
}

void BatchScheduler::hold(std::size_t slot, bool held) {
  if (held) {
    held_.insert(slot);
  } else {
    held_.erase(slot);
  }
}

StepOutcome BatchScheduler::complete(const StepPlan& plan) {
  StepOutcome out;
  out.sampled.reserve(plan.seqs.size());
  for (const ScheduledSeq& item : plan.seqs) {
    RequestState& s = states_[item.slot];
    s.in_flight = false;
    s.computed += item.seq.q_tokens;
    if (cache_ && !item.seq.decode) index_computed(item.slot);
    if (!item.seq.samples_token()) continue;
    ++s.generated;
    out.sampled.push_back(item.slot);
    const bool hand_off = hand_off_ && !s.done();
    if (!s.done() && !hand_off) continue;
    if (hand_off) {
      out.handed_off.push_back(item.slot);
    } else {
      out.kv_events.push_back({item.slot, KvEvent::Kind::release, blocks_.free(key(item.slot))});
      if (cache_) detach_prefix(out.kv_events, item.slot);
    }
    running_.erase(std::find(running_.begin(), running_.end(), item.slot));
    s.phase = Phase::finished;
    out.finished.push_back(item.slot);
  }
  return out;
}

std::vector<KvEvent> BatchScheduler::release_handed_off(std::size_t slot) {
  std::vector<KvEvent> events{{slot, KvEvent::Kind::release, blocks_.free(key(slot))}};
  if (cache_) detach_prefix(events, slot);
  return events;
}

std::optional<KvEvent> BatchScheduler::reserve_prefilled(std::size_t slot) {
  RequestState& s = states_.at(slot);
  if (s.phase != Phase::pending) throw std::logic_error("serving scheduler: a prefilled request arrived twice");
  if (!seats_left() || !blocks_.can_allocate(s.request.prompt_tokens)) return std::nullopt;
  const KvEvent grown{slot, KvEvent::Kind::grow, blocks_.allocate(key(slot), s.request.prompt_tokens)};
  s.phase = Phase::running;
  s.computed = s.request.prompt_tokens;
  s.prefill_target = s.request.prompt_tokens;
  s.generated = 1;  // the prefill instance sampled it
  s.awaiting_kv = true;
  running_.push_back(slot);
  return grown;
}

void BatchScheduler::kv_arrived(std::size_t slot) { states_.at(slot).awaiting_kv = false; }

std::string describe_step(const StepPlan& plan, const BatchScheduler& scheduler) {
  auto name = [&](std::size_t slot) { return request_name(scheduler.state(slot).request.id); };
  std::string decodes;
  std::string prefills;
  for (const ScheduledSeq& item : plan.seqs) {
    if (item.seq.decode) {
      decodes.append(" ").append(name(item.slot));
      continue;
    }
    prefills.append(" ")
        .append(name(item.slot))
        .append("[")
        .append(std::to_string(item.seq.context_before))
        .append("+")
        .append(std::to_string(item.seq.q_tokens))
        .append("/")
        .append(std::to_string(scheduler.state(item.slot).prefill_target))
        .append("]");
  }
  std::string text("tokens ");
  text.append(std::to_string(plan.tokens));
  if (!decodes.empty()) text.append(" | decode").append(decodes);
  if (!prefills.empty()) text.append(" | prefill").append(prefills);
  if (!plan.swapped_in.empty()) {
    text.append(" | swap_in");
    for (std::size_t slot : plan.swapped_in) text.append(" ").append(name(slot));
  }
  if (plan.swap_out_blocks > 0) {
    text.append(" | swap_out");
    for (const Preemption& p : plan.preemptions) {
      if (p.mode == PreemptionMode::swap) text.append(" ").append(name(p.slot));
    }
  }
  return text;
}

}  // namespace lcperf::schedulers::serving
