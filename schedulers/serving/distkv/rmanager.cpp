#include "schedulers/serving/distkv/rmanager.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace lcperf::schedulers::serving::distkv {
namespace {

// Op ids are unique across instances (the instance is the low part), so a lock or a
// transfer tag never confuses two instances' operations.
constexpr std::int64_t kOpStride = std::int64_t{1} << 16;  // the loader allows 65,536 instances (0..65535)

bool any_locked(const RBlockTable& t) {
  return std::any_of(t.locked_by.begin(), t.locked_by.end(), [](std::int64_t op) { return op != 0; });
}

}  // namespace

RManager::RManager(int instance, const DistKvConfig& config, double start_s)
    : self_(instance),
      gmanager_(gmanager_node(config)),
      config_(config),
      device_(config.device_blocks),
      host_(config.host_blocks),
      next_heartbeat_s_(start_s),
      next_reclaim_s_(start_s + config.reclaim_period_s) {
  validate(config_, "distkv rManager");
  if (instance < 0 || instance >= config.instances || config.instances > kOpStride) {
    throw std::logic_error("distkv rManager: instance " + std::to_string(instance) + " out of range");
  }
}

std::int64_t RManager::new_op_id() { return ++op_counter_ * kOpStride + self_; }

bool RManager::allocating(std::int64_t request) const {
  auto it = requests_.find(request);
  return it != requests_.end() && it->second.borrow_op != 0;
}

std::int64_t RManager::lendable_blocks() const {
  return std::max<std::int64_t>(0, std::min(device_.free_count(), config_.lend_cap_blocks - lent_total_));
}

Packet RManager::heartbeat() {
  Heartbeat hb;
  hb.sequence = ++heartbeat_sequence_;
  hb.free_blocks = device_.free_count();
  hb.lendable_blocks = lendable_blocks();
  hb.parked = parked_ ? 1 : 0;
  return to(gmanager_, hb);
}

bool RManager::quiet() const {
  return requests_.empty() && borrows_.empty() && !exchange_ && participating_.empty() && deferred_returns_.empty();
}

namespace {

// The first point of the grid `next + k * period` (k >= 0) at or after now_s.
double next_on_grid(double next_s, double period_s, double now_s) {
  if (next_s >= now_s) return next_s;
  return std::max(next_s + std::ceil((now_s - next_s) / period_s) * period_s, now_s);
}

}  // namespace

// Resumes the periodic work where its grid would have been had it never stopped: the
// next heartbeat (within one period, as when busy: it tells the gManager the instance
// is back) and the next reclaim look.
void RManager::unpark(double now_s) {
  if (!parked_) return;
  parked_ = false;
  next_heartbeat_s_ = next_on_grid(next_heartbeat_s_, config_.heartbeat_period_s, now_s);
  next_reclaim_s_ = next_on_grid(next_reclaim_s_, config_.reclaim_period_s, now_s);
}

void RManager::transfer(bool sending, int peer, std::int64_t op, int direction, std::int64_t blocks, Actions& out) {
  if (blocks <= 0) return;
  const std::int64_t bytes = blocks * config_.block_bytes;
  (sending ? counters_.bytes_sent : counters_.bytes_received) += bytes;
  out.push_back(BlockTransfer{sending, peer, transfer_tag(op, direction), blocks, bytes});
}

// ---------------------------------------------------------------- engine side

Actions RManager::allocate(std::int64_t request, std::int64_t blocks, double now_s) {
  Actions out;
  if (blocks <= 0) throw std::logic_error("distkv rManager: allocation of " + std::to_string(blocks) + " blocks");
  AllocationOutcome outcome{request, AllocationStatus::ok, blocks, 0, 0, {}, {}};
  unpark(now_s);
  if (fenced_) {
    outcome.status = AllocationStatus::preempted;
    outcome.reason = "instance " + std::to_string(self_) + " was declared dead";
    out.push_back(outcome);
    return out;
  }
  RBlockTable& table = requests_[request];
  if (table.borrow_op != 0 || table.release_pending) {
    throw std::logic_error("distkv rManager: request " + std::to_string(request) + " is already being allocated or released");
  }
  const std::int64_t local = std::min(blocks, device_.free_count());
  for (std::int64_t i = 0; i < local; ++i) {
    const auto index = static_cast<std::int64_t>(table.blocks.size());
    table.blocks.push_back({Tier::device, self_, device_.take({request, index, self_})});
    table.locked_by.push_back(0);
  }
  outcome.local_blocks = local;
  if (local == blocks) {
    ++counters_.allocations_ok;
    out.push_back(outcome);
    return out;
  }
  BorrowOp op;
  op.id = new_op_id();
  op.request = request;
  op.deadline_s = now_s + config_.reply_timeout_s;
  op.remaining = blocks - local;
  op.next_index = static_cast<std::int64_t>(table.blocks.size());
  op.outcome = outcome;
  table.borrow_op = op.id;
  out.push_back(to(gmanager_, CreditorQuery{op.id, op.remaining}));
  borrows_.emplace(op.id, std::move(op));
  return out;
}

Actions RManager::release(std::int64_t request, double) {
  Actions out;
  auto it = requests_.find(request);
  if (fenced_ || it == requests_.end()) return out;  // already gone (preempted or lost)
  if (it->second.borrow_op != 0) {
    // Replies still on the wire find no op and their grants are handed back.
    borrows_.erase(it->second.borrow_op);
    it->second.borrow_op = 0;
  }
  release_request(request, out);
  return out;
}

void RManager::release_request(std::int64_t request, Actions& out) {
  RBlockTable& table = requests_.at(request);
  if (any_locked(table)) {
    table.release_pending = true;  // a block is mid-move; freed when the exchange ends
    return;
  }
  free_table(request, out);
}

void RManager::free_table(std::int64_t request, Actions& out) {
  std::map<int, std::vector<std::int64_t>> remote;
  for (const BlockRef& ref : requests_.at(request).blocks) {
    if (ref.tier == Tier::host) {
      host_.give_back(ref.slot);
    } else if (ref.instance == self_) {
      device_.give_back(ref.slot);
    } else if (dead_.count(ref.instance) == 0) {
      remote[ref.instance].push_back(ref.slot);
    }
  }
  requests_.erase(request);
  for (auto& [creditor, slots] : remote) out.push_back(to(creditor, ReturnBlocks{request, std::move(slots)}));
}

void RManager::lost_request(std::int64_t request, const std::string& reason, Actions& out) {
  RBlockTable& table = requests_.at(request);
  AllocationOutcome outcome{request, AllocationStatus::preempted, 0, 0, 0, {}, reason};
  if (table.borrow_op != 0) {
    auto op = borrows_.find(table.borrow_op);
    outcome = op->second.outcome;
    outcome.status = AllocationStatus::preempted;
    outcome.reason = reason;
    borrows_.erase(op);
    table.borrow_op = 0;
  }
  ++counters_.requests_lost;
  out.push_back(outcome);
  release_request(request, out);
}

// ---------------------------------------------------------------- borrowing, debtor side

void RManager::ask_next_creditor(BorrowOp& op, double now_s, Actions& out) {
  while (op.next_candidate < op.candidates.size()) {
    const int c = op.candidates[op.next_candidate++];
    if (c == self_ || dead_.count(c) != 0 || suspected_.count(c) != 0) continue;
    op.phase = BorrowOp::Phase::awaiting_creditor;
    op.asked = c;
    op.deadline_s = now_s + config_.reply_timeout_s;
    out.push_back(to(c, BorrowRequest{op.id, op.request, op.next_index, op.remaining}));
    return;
  }
  finish_borrow(op, out);
}

void RManager::finish_borrow(BorrowOp& op, Actions& out) {
  RBlockTable& table = requests_.at(op.request);
  const std::int64_t on_host = std::min(op.remaining, host_.free_count());
  for (std::int64_t i = 0; i < on_host; ++i) {
    table.blocks.push_back({Tier::host, self_, host_.take({op.request, op.next_index++, self_})});
    table.locked_by.push_back(0);
  }
  op.remaining -= on_host;
  op.outcome.host_blocks += on_host;
  counters_.host_blocks_used += on_host;
  if (op.remaining == 0) {
    complete_borrow(op.id, out);
    return;
  }
  AllocationOutcome outcome = op.outcome;
  outcome.status = AllocationStatus::preempted;
  outcome.reason = "no creditor lent the last " + std::to_string(op.remaining) + " rBlocks and " +
                   (config_.host_blocks > 0 ? "host memory is full" : "no host tier is configured");
  const std::int64_t request = op.request;
  const std::int64_t op_id = op.id;
  borrows_.erase(op_id);  // `op` dangles from here
  table.borrow_op = 0;
  ++counters_.allocations_preempted;
  out.push_back(outcome);
  release_request(request, out);
}

void RManager::complete_borrow(std::int64_t op_id, Actions& out) {
  auto it = borrows_.find(op_id);
  requests_.at(it->second.request).borrow_op = 0;
  ++counters_.allocations_ok;
  out.push_back(it->second.outcome);
  borrows_.erase(it);
}

void RManager::on_creditor_list(const CreditorList& m, double now_s, Actions& out) {
  auto it = borrows_.find(m.op);
  if (it == borrows_.end() || it->second.phase != BorrowOp::Phase::awaiting_candidates) return;  // late
  for (std::int64_t c : m.creditors) it->second.candidates.push_back(static_cast<int>(c));
  ask_next_creditor(it->second, now_s, out);
}

void RManager::on_borrow_grant(int creditor, const BorrowGrant& m, double now_s, Actions& out) {
  auto it = borrows_.find(m.op);
  const bool awaited = it != borrows_.end() && it->second.phase == BorrowOp::Phase::awaiting_creditor &&
                       it->second.asked == creditor && it->second.request == m.request &&
                       it->second.next_index == m.first_index &&
                       static_cast<std::int64_t>(m.slots.size()) <= it->second.remaining;
  if (!awaited) {
    // Too late (timed out, request released): the creditor gets its blocks back.
    counters_.late_grants_returned += static_cast<std::int64_t>(m.slots.size());
    out.push_back(to(creditor, ReturnBlocks{m.request, m.slots}));
    return;
  }
  BorrowOp& op = it->second;
  RBlockTable& table = requests_.at(op.request);
  for (std::int64_t slot : m.slots) {
    table.blocks.push_back({Tier::device, creditor, slot});
    table.locked_by.push_back(0);
  }
  const auto n = static_cast<std::int64_t>(m.slots.size());
  op.remaining -= n;
  op.next_index += n;
  op.outcome.borrowed.emplace_back(creditor, n);
  counters_.blocks_borrowed += n;
  if (op.remaining == 0) {
    complete_borrow(op.id, out);
  } else {
    ask_next_creditor(op, now_s, out);
  }
}

void RManager::on_borrow_refusal(int creditor, const BorrowRefusal& m, double now_s, Actions& out) {
  auto it = borrows_.find(m.op);
  if (it == borrows_.end() || it->second.phase != BorrowOp::Phase::awaiting_creditor || it->second.asked != creditor) return;
  ask_next_creditor(it->second, now_s, out);
}

// ---------------------------------------------------------------- lending, creditor side

void RManager::on_borrow_request(int debtor, const BorrowRequest& m, Actions& out) {
  // Only free memory is lent, never borrowed memory: a creditor that is short refuses
  // instead of borrowing on the debtor's behalf, so borrowing never chains or cycles.
  const std::int64_t grant = std::min(m.blocks, lendable_blocks());
  if (grant <= 0) {
    ++counters_.refusals_given;
    out.push_back(to(debtor, BorrowRefusal{m.op}));
    out.push_back(heartbeat());  // the gManager's view was stale: correct it now
    return;
  }
  BorrowGrant g{m.op, m.request, m.first_index, {}};
  for (std::int64_t i = 0; i < grant; ++i) g.slots.push_back(device_.take({m.request, m.first_index + i, debtor}));
  lent_to_[debtor] += grant;
  lent_total_ += grant;
  ++counters_.grants_given;
  counters_.blocks_lent += grant;
  out.push_back(to(debtor, std::move(g)));
  out.push_back(to(gmanager_, DebtChange{debtor, grant}));
}

void RManager::unlend(int debtor, std::int64_t blocks, Actions& out) {
  if (blocks == 0) return;
  if ((lent_to_[debtor] -= blocks) == 0) lent_to_.erase(debtor);
  lent_total_ -= blocks;
  out.push_back(to(gmanager_, DebtChange{debtor, -blocks}));
}

void RManager::take_return(int home, const ReturnBlocks& rb, Actions& out) {
  ReturnBlocks later{rb.request, {}};
  std::int64_t freed = 0;
  for (std::int64_t slot : rb.slots) {
    const SlotState* s = device_.state(slot);
    if (s == nullptr || s->owner.home != home || s->owner.request != rb.request) {
      ++counters_.anomalies;
      continue;
    }
    if (s->locked_by != 0) {
      later.slots.push_back(slot);  // mid-exchange: freed once the exchange ends
      continue;
    }
    device_.give_back(slot);
    ++freed;
  }
  unlend(home, freed, out);
  if (!later.slots.empty()) deferred_returns_.emplace_back(home, std::move(later));
}

// ---------------------------------------------------------------- exchanges (reclaim, swaps)

Actions RManager::start_reclaim(double now_s) {
  Actions out;
  if (fenced_ || exchange_) return out;
  // A plain pull needs a free slot here and a swap a peer's block hosted here: with
  // neither, nothing can move, and the walk over every block below (each period, for
  // tables of up to millions of one-token blocks) would find nothing.
  if (device_.free_count() == 0 && lent_total_ == 0) return out;
  // Blocks of my requests on each peer, in (request, index) order.
  std::map<int, std::vector<MoveItem>> away;
  for (const auto& [request, table] : requests_) {
    if (table.release_pending) continue;
    for (std::size_t j = 0; j < table.blocks.size(); ++j) {
      const BlockRef& ref = table.blocks[j];
      if (ref.tier != Tier::device || ref.instance == self_ || table.locked_by[j] != 0) continue;
      if (dead_.count(ref.instance) != 0 || suspected_.count(ref.instance) != 0) continue;
      away[ref.instance].push_back({request, static_cast<std::int64_t>(j), ref.slot, -1});
    }
  }
  for (auto& [peer, pulls] : away) {
    // Swaps cancel a two-instance debt cycle without free memory. Only the lower id
    // proposes them, so two instances never lock each other's blocks crosswise.
    std::vector<std::pair<std::int64_t, LogicalBlock>> hosted;  // slots here holding peer's blocks
    if (self_ < peer) {
      for (const auto& [slot, state] : device_.used_slots()) {
        if (state.owner.home == peer && state.locked_by == 0) hosted.emplace_back(slot, state.owner);
      }
    }
    const std::int64_t limit = config_.max_blocks_per_exchange;
    const auto n_pulls = static_cast<std::int64_t>(pulls.size());
    const std::int64_t swaps = std::min({n_pulls, static_cast<std::int64_t>(hosted.size()), limit});
    const std::int64_t plain = std::min({n_pulls - swaps, device_.free_count(), limit - swaps});
    if (swaps + plain == 0) continue;
    ExchangeOp op;
    op.id = new_op_id();
    op.peer = peer;
    op.deadline_s = now_s + config_.exchange_timeout_s;
    for (std::int64_t k = 0; k < swaps + plain; ++k) {
      MoveItem pull = pulls[static_cast<std::size_t>(k)];
      if (k < swaps) {
        const auto& [slot, owner] = hosted[static_cast<std::size_t>(k)];
        pull.to_slot = slot;
        op.push.push_back({owner.request, owner.index, slot, pull.from_slot});
        device_.at(slot).locked_by = op.id;
      } else {
        pull.to_slot = device_.take({pull.request, pull.index, self_});
        device_.at(pull.to_slot).locked_by = op.id;  // reserved for the incoming block
      }
      requests_.at(pull.request).locked_by[static_cast<std::size_t>(pull.index)] = op.id;
      op.pull.push_back(pull);
    }
    out.push_back(to(peer, ExchangePropose{op.id, op.pull, op.push}));
    exchange_ = std::move(op);
    return out;
  }
  return out;
}

void RManager::on_exchange_propose(int initiator, const ExchangePropose& m, Actions& out) {
  const auto key = std::make_pair(initiator, m.op);
  if (aborted_before_seen_.erase(key) != 0) return;  // the initiator already gave up
  bool valid = m.push.size() <= m.pull.size() && !m.pull.empty();
  std::set<std::int64_t> seen;
  for (std::size_t k = 0; valid && k < m.pull.size(); ++k) {
    const MoveItem& p = m.pull[k];
    const SlotState* s = device_.state(p.from_slot);
    valid = s != nullptr && s->owner == LogicalBlock{p.request, p.index, initiator} && s->locked_by == 0 &&
            seen.insert(p.from_slot).second;
  }
  for (std::size_t k = 0; valid && k < m.push.size(); ++k) {
    const MoveItem& q = m.push[k];
    auto t = requests_.find(q.request);
    valid = q.to_slot == m.pull[k].from_slot && m.pull[k].to_slot == q.from_slot && t != requests_.end() &&
            !t->second.release_pending && q.index >= 0 &&
            q.index < static_cast<std::int64_t>(t->second.blocks.size()) &&
            t->second.blocks[static_cast<std::size_t>(q.index)] == BlockRef{Tier::device, initiator, q.from_slot} &&
            t->second.locked_by[static_cast<std::size_t>(q.index)] == 0;
  }
  if (!valid) {
    // Something moved meanwhile (a block returned, a conflicting move): try again later.
    ++counters_.exchanges_rejected;
    out.push_back(to(initiator, ExchangeReply{m.op, false, 0}));
    return;
  }
  for (const MoveItem& p : m.pull) device_.at(p.from_slot).locked_by = m.op;
  for (const MoveItem& q : m.push) requests_.at(q.request).locked_by[static_cast<std::size_t>(q.index)] = m.op;
  participating_[key] = ExchangeOp{m.op, initiator, m.pull, m.push, 0};
  // The data leaves before the answer, so an initiator that hears "accepted" can receive it.
  transfer(true, initiator, m.op, 0, static_cast<std::int64_t>(m.pull.size()), out);
  out.push_back(to(initiator, ExchangeReply{m.op, true, static_cast<std::int64_t>(m.pull.size())}));
}

void RManager::commit_own_exchange(Actions& out) {
  const ExchangeOp op = std::move(*exchange_);
  exchange_.reset();
  transfer(false, op.peer, op.id, 0, static_cast<std::int64_t>(op.pull.size()), out);
  transfer(true, op.peer, op.id, 1, static_cast<std::int64_t>(op.push.size()), out);
  for (const MoveItem& p : op.pull) {
    RBlockTable& table = requests_.at(p.request);
    table.blocks[static_cast<std::size_t>(p.index)] = {Tier::device, self_, p.to_slot};
    table.locked_by[static_cast<std::size_t>(p.index)] = 0;
    // A swapped slot held the peer's block, now mine; a reserved slot already names me.
    device_.at(p.to_slot) = SlotState{{p.request, p.index, self_}, 0};
  }
  const auto pushed = static_cast<std::int64_t>(op.push.size());
  unlend(op.peer, pushed, out);
  ++counters_.exchanges_committed;
  if (pushed > 0) ++counters_.swaps_committed;
  counters_.blocks_pulled_home += static_cast<std::int64_t>(op.pull.size());
  counters_.blocks_pushed_home += pushed;
  out.push_back(to(op.peer, ExchangeDecision{op.id, true}));
  run_deferred(out);
}

void RManager::abort_own_exchange(bool tell_peer, Actions& out) {
  const ExchangeOp op = std::move(*exchange_);
  exchange_.reset();
  for (std::size_t k = 0; k < op.pull.size(); ++k) {
    const MoveItem& p = op.pull[k];
    auto t = requests_.find(p.request);
    if (t != requests_.end()) t->second.locked_by[static_cast<std::size_t>(p.index)] = 0;
    if (k >= op.push.size()) device_.give_back(p.to_slot);  // the reserved slot
  }
  for (const MoveItem& q : op.push) {
    if (device_.is_used(q.from_slot)) device_.at(q.from_slot).locked_by = 0;
  }
  if (tell_peer && dead_.count(op.peer) == 0) out.push_back(to(op.peer, ExchangeDecision{op.id, false}));
  run_deferred(out);
}

void RManager::on_exchange_reply(int participant, const ExchangeReply& m, Actions& out) {
  if (exchange_ && exchange_->id == m.op && exchange_->peer == participant) {
    if (m.accepted) {
      commit_own_exchange(out);
    } else {
      abort_own_exchange(false, out);
    }
    return;
  }
  // Late: the abort went out when the wait timed out. Data already sent must still be
  // received so every send on the wire has its matching receive.
  if (m.accepted) transfer(false, participant, m.op, 0, m.blocks_sent, out);
}

void RManager::on_exchange_decision(int initiator, const ExchangeDecision& m, Actions& out) {
  const auto key = std::make_pair(initiator, m.op);
  auto it = participating_.find(key);
  if (it == participating_.end()) {
    if (m.commit) {
      ++counters_.anomalies;
    } else {
      aborted_before_seen_.insert(key);
    }
    return;
  }
  const ExchangeOp op = std::move(it->second);
  participating_.erase(it);
  if (m.commit) {
    transfer(false, initiator, op.id, 1, static_cast<std::int64_t>(op.push.size()), out);
    for (const MoveItem& q : op.push) {
      RBlockTable& table = requests_.at(q.request);
      table.blocks[static_cast<std::size_t>(q.index)] = {Tier::device, self_, q.to_slot};
      table.locked_by[static_cast<std::size_t>(q.index)] = 0;
    }
    for (std::size_t k = 0; k < op.pull.size(); ++k) {
      const MoveItem& p = op.pull[k];
      if (k < op.push.size()) {
        device_.at(p.from_slot) = SlotState{{op.push[k].request, op.push[k].index, self_}, 0};
      } else {
        device_.give_back(p.from_slot);
      }
    }
    unlend(initiator, static_cast<std::int64_t>(op.pull.size()), out);
  } else {
    for (const MoveItem& p : op.pull) {
      if (device_.is_used(p.from_slot)) device_.at(p.from_slot).locked_by = 0;
    }
    for (const MoveItem& q : op.push) {
      auto t = requests_.find(q.request);
      if (t != requests_.end()) t->second.locked_by[static_cast<std::size_t>(q.index)] = 0;
    }
  }
  run_deferred(out);
}

void RManager::run_deferred(Actions& out) {
  std::vector<std::int64_t> ready;
  for (const auto& [request, table] : requests_) {
    if (table.release_pending && !any_locked(table)) ready.push_back(request);
  }
  for (std::int64_t request : ready) free_table(request, out);
  std::vector<std::pair<int, ReturnBlocks>> returns;
  returns.swap(deferred_returns_);
  for (const auto& [home, rb] : returns) take_return(home, rb, out);
}

// ---------------------------------------------------------------- failures

void RManager::on_instance_dead(int dead, double now_s, Actions& out) {
  if (dead == self_) {
    fenced_ = true;  // declared dead while alive: take no further part
    return;
  }
  if (!dead_.insert(dead).second) return;
  suspected_.erase(dead);
  if (exchange_ && exchange_->peer == dead) abort_own_exchange(false, out);
  for (auto it = participating_.begin(); it != participating_.end();) {
    if (it->first.first != dead) {
      ++it;
      continue;
    }
    for (const MoveItem& p : it->second.pull) device_.at(p.from_slot).locked_by = 0;
    for (const MoveItem& q : it->second.push) {
      auto t = requests_.find(q.request);
      if (t != requests_.end()) t->second.locked_by[static_cast<std::size_t>(q.index)] = 0;
    }
    it = participating_.erase(it);
  }
  std::erase_if(deferred_returns_, [dead](const auto& r) { return r.first == dead; });
  // Blocks lent to the dead instance's requests are free again; the gManager wrote the debt off.
  std::vector<std::int64_t> orphaned;
  for (const auto& [slot, state] : device_.used_slots()) {
    if (state.owner.home == dead) orphaned.push_back(slot);
  }
  for (std::int64_t slot : orphaned) device_.give_back(slot);
  lent_total_ -= static_cast<std::int64_t>(orphaned.size());
  lent_to_.erase(dead);
  // My requests with blocks there lost their KV.
  std::vector<std::int64_t> lost;
  for (const auto& [request, table] : requests_) {
    const bool there = std::any_of(table.blocks.begin(), table.blocks.end(),
                                   [dead](const BlockRef& b) { return b.tier == Tier::device && b.instance == dead; });
    if (there && !table.release_pending) lost.push_back(request);
  }
  for (std::int64_t request : lost) {
    lost_request(request, "rBlocks lost with dead instance " + std::to_string(dead), out);
  }
  // Borrows waiting on the dead instance move on.
  std::vector<std::int64_t> waiting;
  for (const auto& [id, op] : borrows_) {
    if (op.phase == BorrowOp::Phase::awaiting_creditor && op.asked == dead) waiting.push_back(id);
  }
  for (std::int64_t id : waiting) {
    auto it = borrows_.find(id);
    if (it != borrows_.end()) ask_next_creditor(it->second, now_s, out);
  }
  run_deferred(out);
}

// ---------------------------------------------------------------- dispatch

Actions RManager::on_packet(const Packet& packet, double now_s) {
  Actions out;
  if (fenced_) return out;
  unpark(now_s);
  const int from = packet.from;
  if (from != gmanager_) {
    if (dead_.count(from) != 0) return out;  // the dead are not listened to
    suspected_.erase(from);                  // it answers after all
  }
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, CreditorList>) on_creditor_list(m, now_s, out);
        if constexpr (std::is_same_v<T, BorrowRequest>) on_borrow_request(from, m, out);
        if constexpr (std::is_same_v<T, BorrowGrant>) on_borrow_grant(from, m, now_s, out);
        if constexpr (std::is_same_v<T, BorrowRefusal>) on_borrow_refusal(from, m, now_s, out);
        if constexpr (std::is_same_v<T, ReturnBlocks>) take_return(from, m, out);
        if constexpr (std::is_same_v<T, InstanceDead>) on_instance_dead(static_cast<int>(m.instance), now_s, out);
        if constexpr (std::is_same_v<T, ExchangePropose>) on_exchange_propose(from, m, out);
        if constexpr (std::is_same_v<T, ExchangeReply>) on_exchange_reply(from, m, out);
        if constexpr (std::is_same_v<T, ExchangeDecision>) on_exchange_decision(from, m, out);
        if constexpr (std::is_same_v<T, Heartbeat> || std::is_same_v<T, CreditorQuery> ||
                      std::is_same_v<T, DebtChange> || std::is_same_v<T, SuspectInstance>) {
          ++counters_.anomalies;  // gManager-bound messages do not come here
        }
      },
      packet.body);
  return out;
}

Actions RManager::on_tick(double now_s) {
  Actions out;
  if (fenced_) return out;
  std::vector<std::int64_t> due;
  for (const auto& [id, op] : borrows_) {
    if (op.deadline_s <= now_s) due.push_back(id);
  }
  for (std::int64_t id : due) {
    auto it = borrows_.find(id);
    if (it == borrows_.end()) continue;
    BorrowOp& op = it->second;
    if (op.phase == BorrowOp::Phase::awaiting_creditor) {
      // The creditor may be dead or just slow; the gManager decides which.
      ++counters_.borrow_timeouts;
      suspected_.insert(op.asked);
      out.push_back(to(gmanager_, SuspectInstance{op.asked}));
    }
    ask_next_creditor(op, now_s, out);  // no gManager answer: no candidates, straight to the fallback
  }
  if (exchange_ && exchange_->deadline_s <= now_s) {
    ++counters_.exchange_timeouts;
    suspected_.insert(exchange_->peer);
    out.push_back(to(gmanager_, SuspectInstance{exchange_->peer}));
    abort_own_exchange(true, out);
  }
  if (now_s >= next_heartbeat_s_) {
    parked_ = quiet();  // said in this heartbeat, so the gManager stops expecting more
    out.push_back(heartbeat());
    next_heartbeat_s_ = std::max(next_heartbeat_s_ + config_.heartbeat_period_s, now_s + 1e-12);
  }
  if (now_s >= next_reclaim_s_) {
    Actions moves = start_reclaim(now_s);
    out.insert(out.end(), moves.begin(), moves.end());
    next_reclaim_s_ = std::max(next_reclaim_s_ + config_.reclaim_period_s, now_s + 1e-12);
  }
  return out;
}

double RManager::next_deadline_s() const {
  if (fenced_ || parked_) return std::numeric_limits<double>::infinity();
  double next = std::min(next_heartbeat_s_, next_reclaim_s_);
  for (const auto& [id, op] : borrows_) next = std::min(next, op.deadline_s);
  if (exchange_) next = std::min(next, exchange_->deadline_s);
  return next;
}

}  // namespace lcperf::schedulers::serving::distkv
