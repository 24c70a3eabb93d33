#include "schedulers/serving/distkv/gmanager.hpp"

#include <algorithm>
#include <limits>

namespace lcperf::schedulers::serving::distkv {

GManager::GManager(const DistKvConfig& config, double start_s)
    : config_(config), start_s_(start_s), view_(static_cast<std::size_t>(config.instances)) {
  validate(config_, "distkv gManager");
}

bool GManager::from_live_instance(int node) const {
  return node >= 0 && node < config_.instances && !view_[static_cast<std::size_t>(node)].dead;
}

std::vector<int> GManager::rank_creditors(int debtor) const {
  std::vector<int> out;
  for (int i = 0; i < config_.instances; ++i) {
    const InstanceView& v = view_[static_cast<std::size_t>(i)];
    if (i != debtor && v.heard && !v.dead && !v.suspected && v.lendable_blocks > 0) out.push_back(i);
  }
  std::stable_sort(out.begin(), out.end(), [this](int a, int b) {
    return view_[static_cast<std::size_t>(a)].lendable_blocks > view_[static_cast<std::size_t>(b)].lendable_blocks;
  });
  if (out.size() > static_cast<std::size_t>(config_.max_candidates)) out.resize(static_cast<std::size_t>(config_.max_candidates));
  return out;
}

Actions GManager::on_packet(const Packet& packet, double now_s) {
  Actions out;
  if (!from_live_instance(packet.from)) return out;  // the dead are not listened to
  const int from = packet.from;
  InstanceView& sender = view_[static_cast<std::size_t>(from)];
  if (const auto* hb = std::get_if<Heartbeat>(&packet.body)) {
    if (hb->sequence <= sender.sequence) {
      ++counters_.stale_heartbeats;
      return out;
    }
    sender.heard = true;
    sender.sequence = hb->sequence;
    sender.free_blocks = hb->free_blocks;
    sender.lendable_blocks = hb->lendable_blocks;
    sender.last_heard_s = now_s;
    sender.suspected = false;
    sender.parked = hb->parked != 0;
  } else if (const auto* q = std::get_if<CreditorQuery>(&packet.body)) {
    ++counters_.queries;
    CreditorList list{q->op, {}};
    for (int c : rank_creditors(from)) list.creditors.push_back(c);
    if (list.creditors.empty()) ++counters_.empty_answers;
    out.push_back(Packet{gmanager_node(config_), from, list});
  } else if (const auto* d = std::get_if<DebtChange>(&packet.body)) {
    if (from_live_instance(static_cast<int>(d->debtor))) ledger_.add(static_cast<int>(d->debtor), from, d->blocks);
  } else if (const auto* s = std::get_if<SuspectInstance>(&packet.body)) {
    if (from_live_instance(static_cast<int>(s->instance))) {
      view_[static_cast<std::size_t>(s->instance)].suspected = true;
      ++counters_.suspicions;
    }
  }
  return out;
}

Actions GManager::declare_dead(int instance) {
  view_[static_cast<std::size_t>(instance)].dead = true;
  ledger_.forget(instance);
  ++counters_.deaths_declared;
  Actions out;
  for (int i = 0; i < config_.instances; ++i) {
    // The dead instance is told too: if it was only slow, it must stop (fencing).
    if (i == instance || !view_[static_cast<std::size_t>(i)].dead) {
      out.push_back(Packet{gmanager_node(config_), i, InstanceDead{instance}});
    }
  }
  return out;
}

Actions GManager::on_tick(double now_s) {
  Actions out;
  for (int i = 0; i < config_.instances; ++i) {
    const InstanceView& v = view_[static_cast<std::size_t>(i)];
    const double last = v.heard ? v.last_heard_s : start_s_;
    if (!v.dead && !v.parked && now_s >= last + config_.dead_after_s) {
      Actions notices = declare_dead(i);
      out.insert(out.end(), notices.begin(), notices.end());
    }
  }
  return out;
}

double GManager::next_deadline_s() const {
  double next = std::numeric_limits<double>::infinity();
  for (const InstanceView& v : view_) {
    if (!v.dead && !v.parked) next = std::min(next, (v.heard ? v.last_heard_s : start_s_) + config_.dead_after_s);
  }
  return next;
}

}  // namespace lcperf::schedulers::serving::distkv
