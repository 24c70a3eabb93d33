#include "schedulers/serving/distkv/audit.hpp"

#include <map>
#include <tuple>

namespace lcperf::schedulers::serving::distkv {
namespace {

using SlotKey = std::tuple<int, int, std::int64_t>;  // (holder, home, slot)

std::string describe(const LogicalBlock& b) {
  return "request " + std::to_string(b.request) + " block " + std::to_string(b.index) + " (home " +
         std::to_string(b.home) + ")";
}

struct Transit {
  std::set<SlotKey> grants;   // (creditor, debtor, slot) granted, grant not delivered
  std::set<SlotKey> returns;  // (creditor, home, slot) returned, return not delivered
  std::map<std::pair<int, int>, std::int64_t> debt;  // (creditor, debtor) -> blocks on the wire
  std::set<std::pair<int, std::int64_t>> commits;    // (initiator, op) commit not delivered, keyed at participant
};

Transit transit_of(const AuditView& view) {
  Transit t;
  for (const Packet& p : view.in_flight) {
    if (const auto* g = std::get_if<BorrowGrant>(&p.body)) {
      for (std::int64_t s : g->slots) t.grants.insert({p.from, p.to, s});
    } else if (const auto* r = std::get_if<ReturnBlocks>(&p.body)) {
      for (std::int64_t s : r->slots) t.returns.insert({p.to, p.from, s});
    } else if (const auto* d = std::get_if<DebtChange>(&p.body)) {
      t.debt[{p.from, static_cast<int>(d->debtor)}] += d->blocks;
    } else if (const auto* x = std::get_if<ExchangeDecision>(&p.body)) {
      if (x->commit) {
        t.commits.insert({p.from, x->op});
      }
    }
  }
  return t;
}

}  // namespace

std::vector<std::string> audit(const AuditView& view, bool quiescent) {
  std::vector<std::string> bad;
  const int n = static_cast<int>(view.instances.size());
  auto live = [&](int i) {
    return i >= 0 && i < n && view.crashed.count(i) == 0 && !view.instances[static_cast<std::size_t>(i)]->fenced() &&
           !view.gmanager->is_dead(i);
  };
  auto at = [&](int i) -> const RManager& { return *view.instances[static_cast<std::size_t>(i)]; };
  const Transit t = transit_of(view);
  if (quiescent && !view.in_flight.empty()) bad.push_back("quiescent audit with packets on the wire");

  // A commit for (initiator, op) on the wire covering `slot` among the participant's items.
  auto commit_covers = [&](int initiator, int participant, bool pull_side, std::int64_t slot, const LogicalBlock* push_owner) {
    for (const auto& [key, op] : at(participant).participations()) {
      if (key.first != initiator || t.commits.count(key) == 0) continue;
      if (pull_side) {
        for (const MoveItem& p : op.pull) {
          if (p.from_slot == slot) return true;
        }
      } else {
        for (const MoveItem& q : op.push) {
          if (q.from_slot == slot && q.request == push_owner->request && q.index == push_owner->index) return true;
        }
      }
    }
    return false;
  };

  std::map<std::tuple<int, int, std::int64_t>, int> claims;  // (tier, instance, slot) -> table entries naming it
  for (int c = 0; c < n; ++c) {
    if (!live(c)) continue;
    const RManager& rm = at(c);
    const std::string who = "instance " + std::to_string(c) + ": ";
    for (const BlockPool* pool : {&rm.device(), &rm.host()}) {
      if (pool->free_count() + pool->used_count() != pool->capacity()) {
        bad.push_back(who + "used + free != capacity");
      }
      for (const auto& [slot, state] : pool->used_slots()) {
        if (slot < 0 || slot >= pool->capacity() || pool->free_slots().count(slot) != 0) {
          bad.push_back(who + "slot " + std::to_string(slot) + " both used and free, or out of range");
        }
      }
    }
    // Ops that may hold locks here.
    std::set<std::int64_t> ops;
    if (rm.own_exchange()) ops.insert(rm.own_exchange()->id);
    for (const auto& [key, op] : rm.participations()) ops.insert(op.id);

    std::map<int, std::int64_t> lent;
    std::set<std::pair<int, std::int64_t>> deferred;
    for (const auto& [home, rb] : rm.deferred_returns()) {
      for (std::int64_t s : rb.slots) deferred.insert({home, s});
    }
    for (const auto& [slot, state] : rm.device().used_slots()) {
      const LogicalBlock& o = state.owner;
      const std::string what = who + "device slot " + std::to_string(slot) + " holding " + describe(o);
      if (state.locked_by != 0 && ops.count(state.locked_by) == 0) bad.push_back(what + " is locked by an unknown op");
      if (o.home == c) {
        auto table = rm.tables().find(o.request);
        const bool pointed = table != rm.tables().end() && o.index >= 0 &&
                             o.index < static_cast<std::int64_t>(table->second.blocks.size()) &&
                             table->second.blocks[static_cast<std::size_t>(o.index)] == BlockRef{Tier::device, c, slot};
        bool reserved = false;
        if (rm.own_exchange()) {
          const ExchangeOp& x = *rm.own_exchange();
          for (std::size_t k = x.push.size(); k < x.pull.size(); ++k) reserved = reserved || x.pull[k].to_slot == slot;
        }
        if (!pointed && !(reserved && !quiescent)) bad.push_back(what + " is lost: no table entry points at it");
        continue;
      }
      ++lent[o.home];
      if (!live(o.home)) {
        if (quiescent) bad.push_back(what + " still held for a dead instance");
        continue;
      }
      const auto& tables = at(o.home).tables();
      auto table = tables.find(o.request);
      const bool pointed = table != tables.end() && o.index >= 0 &&
                           o.index < static_cast<std::int64_t>(table->second.blocks.size()) &&
                           table->second.blocks[static_cast<std::size_t>(o.index)] == BlockRef{Tier::device, c, slot};
      if (pointed) continue;
      const bool in_transit = t.grants.count({c, o.home, slot}) != 0 || t.returns.count({c, o.home, slot}) != 0 ||
                              deferred.count({o.home, slot}) != 0 || commit_covers(o.home, c, true, slot, nullptr);
      if (!in_transit || quiescent) bad.push_back(what + " is lost: its home does not point at it");
    }
    for (const auto& [slot, state] : rm.host().used_slots()) {
      const LogicalBlock& o = state.owner;
      auto table = rm.tables().find(o.request);
      const bool pointed = o.home == c && table != rm.tables().end() && o.index >= 0 &&
                           o.index < static_cast<std::int64_t>(table->second.blocks.size()) &&
                           table->second.blocks[static_cast<std::size_t>(o.index)] == BlockRef{Tier::host, c, slot};
      if (!pointed) bad.push_back(who + "host slot " + std::to_string(slot) + " holding " + describe(o) + " is lost");
    }

    // Lending counts.
    std::int64_t lent_sum = 0;
    for (const auto& [home, blocks] : lent) lent_sum += blocks;
    if (lent != rm.lent_to()) bad.push_back(who + "lent_to does not match the slots lent");
    if (lent_sum != rm.lent_total()) bad.push_back(who + "lent_total does not match the slots lent");
    if (rm.lent_total() > rm.config().lend_cap_blocks) bad.push_back(who + "lends beyond the lending cap");

    // Tables of requests homed here.
    for (const auto& [request, table] : rm.tables()) {
      if (table.blocks.size() != table.locked_by.size()) bad.push_back(who + "table size mismatch");
      for (std::size_t j = 0; j < table.blocks.size(); ++j) {
        const BlockRef& ref = table.blocks[j];
        const LogicalBlock expect{request, static_cast<std::int64_t>(j), c};
        const std::string what = who + describe(expect) + " -> instance " + std::to_string(ref.instance) + " slot " +
                                 std::to_string(ref.slot);
        if (j < table.locked_by.size() && table.locked_by[j] != 0 && ops.count(table.locked_by[j]) == 0) {
          bad.push_back(what + " is locked by an unknown op");
        }
        // Each entry must match its slot's owner (below), and a slot has one owner, so a
        // second entry naming a slot is only allowed while a swap's commit is on the wire.
        if (++claims[{static_cast<int>(ref.tier), ref.instance, ref.slot}] > 1 && quiescent) {
          bad.push_back(what + ": the slot is in two table entries");
        }
        if (ref.tier == Tier::host || ref.instance == c) {
          if (ref.instance != c) bad.push_back(what + ": host blocks live on the home instance");
          const SlotState* s = (ref.tier == Tier::host ? rm.host() : rm.device()).state(ref.slot);
          if (s == nullptr || !(s->owner == expect)) bad.push_back(what + ": the slot does not hold it");
          continue;
        }
        if (!live(ref.instance)) {
          if (quiescent) bad.push_back(what + ": points at a dead instance");
          continue;
        }
        const SlotState* s = at(ref.instance).device().state(ref.slot);
        if (s != nullptr && s->owner == expect) continue;
        if (quiescent || !commit_covers(ref.instance, c, false, ref.slot, &expect)) {
          bad.push_back(what + ": the slot does not hold it");
        }
      }
    }

    if (quiescent) {
      if (!rm.borrows().empty()) bad.push_back(who + "borrow still pending");
      if (rm.own_exchange() || !rm.participations().empty()) bad.push_back(who + "exchange still pending");
      if (!rm.deferred_returns().empty()) bad.push_back(who + "deferred returns pending");
      for (const auto& [request, table] : rm.tables()) {
        if (table.release_pending) bad.push_back(who + "request " + std::to_string(request) + " release pending");
      }
    }
  }

  // The ledger (plus debt changes on the wire) equals what creditors actually lent.
  for (const auto& [key, blocks] : view.gmanager->ledger().entries()) {
    if (view.gmanager->is_dead(key.first) || view.gmanager->is_dead(key.second)) {
      bad.push_back("ledger keeps a debt of a dead instance");
    }
  }
  for (int c = 0; c < n; ++c) {
    for (int d = 0; d < n; ++d) {
      if (c == d || !live(c) || !live(d)) continue;
      auto wire = t.debt.find({c, d});
      const std::int64_t expected = view.gmanager->ledger().owed(d, c) + (wire == t.debt.end() ? 0 : wire->second);
      auto lent = at(c).lent_to().find(d);
      const std::int64_t actual = lent == at(c).lent_to().end() ? 0 : lent->second;
      if (expected != actual) {
        bad.push_back("ledger: instance " + std::to_string(d) + " owes " + std::to_string(c) + " " +
                      std::to_string(expected) + " blocks by the ledger but " + std::to_string(actual) + " are lent");
      }
    }
  }
  return bad;
}

}  // namespace lcperf::schedulers::serving::distkv
