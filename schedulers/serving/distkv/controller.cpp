#include "schedulers/serving/distkv/controller.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/tensor.hpp"

namespace lcperf::schedulers::serving::distkv {

int DistKvTopology::rank_of(int node) const {
  if (node == static_cast<int>(instance_ranks.size())) return gmanager_rank;
  return instance_ranks.at(static_cast<std::size_t>(node));
}

int DistKvTopology::node_of(int rank) const {
  if (rank == gmanager_rank) return static_cast<int>(instance_ranks.size());
  auto it = std::find(instance_ranks.begin(), instance_ranks.end(), rank);
  if (it == instance_ranks.end()) throw std::runtime_error("distkv: message from rank " + std::to_string(rank) + ", which runs no DistKV controller");
  return static_cast<int>(it - instance_ranks.begin());
}

namespace {

std::string describe(const AllocationOutcome& o) {
  std::ostringstream text;
  text << "request " << o.request << (o.status == AllocationStatus::ok ? " ok" : " preempted") << " asked "
       << o.blocks_asked << " local " << o.local_blocks;
  for (const auto& [creditor, blocks] : o.borrowed) text << " borrowed " << blocks << "@" << creditor;
  if (o.host_blocks > 0) text << " host " << o.host_blocks;
  if (!o.reason.empty()) text << " (" << o.reason << ")";
  return text.str();
}

// Carries out a core's actions on the runtime, in order.
class ActionRunner {
 public:
  ActionRunner(core::Runtime& rt, const DistKvTopology& topology, ControllerRecords* records)
      : rt_(rt), topology_(topology), records_(records) {}

  void run(const Actions& actions) {
    for (const Action& action : actions) {
      if (const auto* p = std::get_if<Packet>(&action)) {
        const core::Message message = encode(*p);
        rt_.post_message(topology_.rank_of(p->to), message);
        if (records_ != nullptr) {
          ++records_->messages_sent;
          records_->message_bytes_sent += message.bytes;
        }
      } else if (const auto* t = std::get_if<BlockTransfer>(&action)) {
        const core::Tensor blocks{1, core::bytes_tensor("distkv rblocks", t->bytes, core::MemoryTag::kv_cache)};
        const int peer = topology_.rank_of(t->peer);
        rt_.wait(t->sending ? rt_.send(blocks, peer, core::kSendStream, t->tag)
                            : rt_.recv(blocks, peer, core::kRecvStream, t->tag));
        rt_.log_decision("distkv_move", std::string(t->sending ? "send " : "recv ") + std::to_string(t->blocks) +
                                            " rblocks " + (t->sending ? "to " : "from ") + std::to_string(t->peer));
        if (records_ != nullptr) (t->sending ? records_->transfer_bytes_sent : records_->transfer_bytes_received) += t->bytes;
      } else if (const auto* o = std::get_if<AllocationOutcome>(&action)) {
        rt_.log_decision("distkv_allocation", describe(*o));
        if (records_ != nullptr) records_->outcomes.push_back({rt_.now_s(), *o});
      }
    }
  }

  // Waits for one message until `wake_s`; false on timeout.
  template <typename Handler>
  bool receive_until(double wake_s, int self_node, Handler&& handle) {
    const double wait_s = std::max(wake_s - rt_.now_s(), 0.0);
    std::optional<core::Message> message = rt_.receive_message(wait_s);
    if (!message) return false;
    run(handle(decode(*message, topology_.node_of(message->from), self_node)));
    return true;
  }

 private:
  core::Runtime& rt_;
  const DistKvTopology& topology_;
  ControllerRecords* records_;
};

}  // namespace

core::RankProgram make_rmanager_program(std::shared_ptr<RManager> core, RManagerScript script, DistKvTopology topology,
                                        std::shared_ptr<ControllerRecords> records) {
  return [core, script = std::move(script), topology = std::move(topology), records](core::Runtime& rt) {
    ActionRunner runner(rt, topology, records.get());
    const int self = core->instance();
    std::size_t next_event = 0;
    for (;;) {
      const double now = rt.now_s();
      if (now >= script.stop_at_s) return;
      if (script.vanish_at_s >= 0 && now >= script.vanish_at_s) {
        rt.log_decision("distkv_vanish", "instance " + std::to_string(self) + " stops answering");
        rt.sleep_until(script.stop_at_s);
        return;
      }
      while (next_event < script.events.size() && script.events[next_event].at_s <= now) {
        const ScriptedEvent& e = script.events[next_event++];
        runner.run(e.kind == ScriptedEvent::Kind::allocate ? core->allocate(e.request, e.blocks, now)
                                                           : core->release(e.request, now));
      }
      if (core->next_deadline_s() <= now) {
        runner.run(core->on_tick(now));
        continue;
      }
      double wake = std::min(core->next_deadline_s(), script.stop_at_s);
      if (next_event < script.events.size()) wake = std::min(wake, script.events[next_event].at_s);
      if (script.vanish_at_s >= 0) wake = std::min(wake, script.vanish_at_s);
      runner.receive_until(wake, self, [&](const Packet& p) { return core->on_packet(p, rt.now_s()); });
    }
  };
}

core::RankProgram make_gmanager_program(std::shared_ptr<GManager> core, double stop_at_s, DistKvTopology topology,
                                        std::shared_ptr<ControllerRecords> records) {
  return [core, stop_at_s, topology = std::move(topology), records](core::Runtime& rt) {
    ActionRunner runner(rt, topology, records.get());
    const int self = static_cast<int>(topology.instance_ranks.size());
    for (;;) {
      const double now = rt.now_s();
      if (now >= stop_at_s) return;
      if (core->next_deadline_s() <= now) {
        runner.run(core->on_tick(now));
        continue;
      }
      runner.receive_until(std::min(core->next_deadline_s(), stop_at_s), self,
                           [&](const Packet& p) { return core->on_packet(p, rt.now_s()); });
    }
  };
}

}  // namespace lcperf::schedulers::serving::distkv
