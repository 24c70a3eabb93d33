#include "schedulers/serving/distkv/loopback_cluster.hpp"

#include <stdexcept>

namespace lcperf::schedulers::serving::distkv {

LoopbackCluster::LoopbackCluster(const DistKvConfig& config) : config_(config), gmanager_(config) {
  for (int i = 0; i < config.instances; ++i) instances_.push_back(std::make_unique<RManager>(i, config));
}

void LoopbackCluster::run(int node, const Actions& actions) {
  for (const Action& action : actions) {
    if (const auto* p = std::get_if<Packet>(&action)) {
      wire_.push_back(*p);
      message_bytes_ += wire_bytes(p->body);
      ++messages_;
    } else if (const auto* t = std::get_if<BlockTransfer>(&action)) {
      if (t->sending) {
        sent_[{node, t->peer, t->tag}] += t->bytes;
      } else {
        received_[{t->peer, node, t->tag}] += t->bytes;
      }
    } else if (const auto* o = std::get_if<AllocationOutcome>(&action)) {
      outcomes_.push_back({node, *o});
    }
  }
}

void LoopbackCluster::advance_to(double time_s) {
  if (time_s < now_s_) throw std::logic_error("loopback cluster: time goes backwards");
  now_s_ = time_s;
}

void LoopbackCluster::tick() {
  run(gmanager_node(config_), gmanager_.on_tick(now_s_));
  for (int i = 0; i < instances(); ++i) {
    if (!crashed(i)) run(i, instance(i).on_tick(now_s_));
  }
}

void LoopbackCluster::allocate(int i, std::int64_t request, std::int64_t blocks) {
  run(i, instance(i).allocate(request, blocks, now_s_));
}

void LoopbackCluster::release(int i, std::int64_t request) { run(i, instance(i).release(request, now_s_)); }

void LoopbackCluster::reclaim(int i) { run(i, instance(i).start_reclaim(now_s_)); }

void LoopbackCluster::crash(int i) { crashed_.insert(i); }

void LoopbackCluster::deliver(std::size_t index) {
  const Packet p = wire_.at(index);
  wire_.erase(wire_.begin() + static_cast<std::ptrdiff_t>(index));
  if (p.to == gmanager_node(config_)) {
    run(p.to, gmanager_.on_packet(p, now_s_));
  } else if (!crashed(p.to)) {
    run(p.to, instance(p.to).on_packet(p, now_s_));
  }
}

void LoopbackCluster::deliver_all() {
  while (!wire_.empty()) deliver(0);
}

std::vector<std::string> LoopbackCluster::audit(bool quiescent) const {
  AuditView view;
  for (const auto& rm : instances_) view.instances.push_back(rm.get());
  view.gmanager = &gmanager_;
  view.in_flight = wire_;
  view.crashed = crashed_;
  return distkv::audit(view, quiescent);
}

}  // namespace lcperf::schedulers::serving::distkv
