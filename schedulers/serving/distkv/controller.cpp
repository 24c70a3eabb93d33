#include "schedulers/serving/distkv/controller.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <deque>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/distattention_ops.hpp"
#include "core/tensor.hpp"
#include "schedulers/serving/distkv/engine_link.hpp"

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

// The timeout of a receive that should return by `wake_s`; a parked core has no
// deadline (infinity), and "no timeout" is -1 in the runtime seam.
double timeout_until(double wake_s, double now_s) {
  return std::isinf(wake_s) ? -1.0 : std::max(wake_s - now_s, 0.0);
}

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
        if (on_outcome) on_outcome(*o);
      }
    }
  }

  std::function<void(const AllocationOutcome&)> on_outcome;  // besides logging it

  // Waits for one message until `wake_s`; false on timeout.
  template <typename Handler>
  bool receive_until(double wake_s, int self_node, Handler&& handle) {
    std::optional<core::Message> message = rt_.receive_message(timeout_until(wake_s, rt_.now_s()));
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


namespace {

bool is_control(const core::Message& m) { return m.type.rfind("dkv_", 0) == 0; }

// Keeps kv_cache tensors on the agent's rank equal to the rBlocks its GPU pool holds
// (its own requests' and the ones it lends), so the memory tracker sees them.
class PoolMirror {
 public:
  PoolMirror(core::Runtime& rt, std::int64_t block_bytes) : rt_(rt), block_bytes_(block_bytes) {}
  void follow(std::int64_t used_blocks) {
    while (held_blocks_ > used_blocks && !held_.empty()) {
      held_blocks_ -= held_.back().second;
      rt_.release(held_.back().first);
      held_.pop_back();
    }
    if (used_blocks > held_blocks_) {
      const std::int64_t more = used_blocks - held_blocks_;
      held_.emplace_back(rt_.allocate(core::bytes_tensor("rblocks", more * block_bytes_, core::MemoryTag::kv_cache)), more);
      held_blocks_ += more;
    }
  }
  void clear() { follow(0); }

 private:
  core::Runtime& rt_;
  std::int64_t block_bytes_;
  std::vector<std::pair<core::Tensor, std::int64_t>> held_;
  std::int64_t held_blocks_ = 0;
};

// Runs a home's micro-attentions on this GPU and sends the partials back in stream
// order, without waiting: the agent stays free to answer the protocol meanwhile.
class AttentionService {
 public:
  AttentionService(core::Runtime& rt, const core::DistAttentionDims& dims) : rt_(rt), dims_(dims) {}

  void serve(const core::Message& m, AgentRecords* records) {
    const AttentionRequest r = decode_attention_request(m.payload);
    core::KernelOp op;
    op.name = "distattn for rank " + std::to_string(r.home_rank);
    op.category = "distattention";
    std::vector<core::OpPart> layer = core::micro_attention_parts(dims_, r.decode_work, true);
    const std::vector<core::OpPart> prefill = core::micro_attention_parts(dims_, r.prefill_work, false);
    layer.insert(layer.end(), prefill.begin(), prefill.end());
    for (int l = 0; l < r.layers; ++l) op.parts.insert(op.parts.end(), layer.begin(), layer.end());
    std::int64_t back = 0;
    for (const auto* list : {&r.decode_work, &r.prefill_work}) {
      for (const core::MicroAttentionWork& w : *list) back += core::partial_message_bytes(dims_, w.query_tokens);
    }
    if (!op.parts.empty()) rt_.launch(op, core::kComputeStream);
    core::Tensor out = rt_.allocate(core::bytes_tensor("distattn partials", back, core::MemoryTag::comm_buffer));
    pending_.emplace_back(out, rt_.send(all_layers(out, r.layers), r.home_rank, core::kComputeStream, kPartialsTag));
    if (records != nullptr) ++records->attention_requests_served;
    // Buffers of answers long gone are given back; the wait returns at once for those.
    while (pending_.size() > 8) retire_oldest();
  }
  void drain() {
    while (!pending_.empty()) retire_oldest();
  }

 private:
  void retire_oldest() {
    rt_.wait(pending_.front().second);
    rt_.release(pending_.front().first);
    pending_.pop_front();
  }
  core::Runtime& rt_;
  core::DistAttentionDims dims_;
  std::deque<std::pair<core::Tensor, core::Completion>> pending_;
};

}  // namespace

core::RankProgram make_agent_program(AgentSetup setup) {
  return [setup = std::move(setup)](core::Runtime& rt) {
    RManager& core = *setup.core;
    ActionRunner runner(rt, setup.topology, setup.records ? &setup.records->controller : nullptr);
    runner.on_outcome = [&rt, &setup](const AllocationOutcome& o) {
      core::Message m;
      m.type = kPlacedMessage;
      m.payload = std::to_string(o.request) + (o.status == AllocationStatus::ok ? " 1" : " 0");
      m.bytes = 48;
      rt.post_message(setup.engine_rank, m);
    };
    PoolMirror mirror(rt, setup.core->config().block_bytes);
    AttentionService attention(rt, setup.dims);
    const int self = core.instance();
    double stop_by = -1;  // set when told to stop: finish open exchanges first (bounded)
    for (;;) {
      const double now = rt.now_s();
      mirror.follow(core.device().used_count());
      if (stop_by >= 0 && (now >= stop_by || (!core.own_exchange() && core.participations().empty()))) break;
      if (core.next_deadline_s() <= now) {
        runner.run(core.on_tick(now));
        continue;
      }
      double wake = core.next_deadline_s();
      if (stop_by >= 0) wake = std::min(wake, stop_by);
      const std::optional<core::Message> m = rt.receive_message(timeout_until(wake, now));
      if (!m) continue;
      if (!is_control(*m)) {
        runner.run(core.on_packet(decode(*m, setup.topology.node_of(m->from), self), rt.now_s()));
        continue;
      }
      std::istringstream in(m->payload);
      if (m->type == kAllocMessage) {
        std::int64_t request = 0, blocks = 0;
        in >> request >> blocks;
        runner.run(core.allocate(request, blocks, rt.now_s()));
      } else if (m->type == kReleaseMessage) {
        std::int64_t request = 0;
        in >> request;
        runner.run(core.release(request, rt.now_s()));
      } else if (m->type == kAttentionMessage) {
        attention.serve(*m, setup.records.get());
      } else if (m->type == kEngineDoneMessage) {
        core::Message done;
        done.type = kInstanceDoneMessage;
        done.payload = std::to_string(self);
        done.bytes = 40;
        rt.post_message(setup.topology.gmanager_rank, done);
      } else if (m->type == kStopMessage) {
        stop_by = rt.now_s() + 2 * core.config().exchange_timeout_s;
      } else {
        throw std::logic_error("distkv agent " + std::to_string(self) + ": unexpected message " + m->type);
      }
    }
    attention.drain();
    mirror.clear();
    if (setup.records) setup.records->final_counters = core.counters();
  };
}

core::RankProgram make_gmanager_service_program(std::shared_ptr<GManager> core, DistKvTopology topology) {
  return [core, topology = std::move(topology)](core::Runtime& rt) {
    ActionRunner runner(rt, topology, nullptr);
    const int self = static_cast<int>(topology.instance_ranks.size());
    std::size_t done = 0;
    while (done < topology.instance_ranks.size()) {
      const double now = rt.now_s();
      if (core->next_deadline_s() <= now) {
        runner.run(core->on_tick(now));
        continue;
      }
      const std::optional<core::Message> m = rt.receive_message(timeout_until(core->next_deadline_s(), now));
      if (!m) continue;
      if (m->type == kInstanceDoneMessage) {
        ++done;
        continue;
      }
      runner.run(core->on_packet(decode(*m, topology.node_of(m->from), self), rt.now_s()));
    }
    core::Message stop;
    stop.type = kStopMessage;
    stop.bytes = 32;
    for (int rank : topology.instance_ranks) rt.post_message(rank, stop);
  };
}

}  // namespace lcperf::schedulers::serving::distkv
