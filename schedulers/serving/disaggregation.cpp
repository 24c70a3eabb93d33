#include "schedulers/serving/disaggregation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace lcperf::schedulers::serving {

namespace {

constexpr const char* kOffer = "disagg_offer";            // prefill engine -> decode engine: slot, prefill instance
constexpr const char* kPull = "disagg_pull";              // decode engine -> agent: slot, decode instance
constexpr const char* kLastLayer = "disagg_last_layer";   // prefill engine -> agent: slot (layerwise)
constexpr const char* kSent = "disagg_sent";              // agent -> prefill engine: slot
constexpr const char* kArrived = "disagg_arrived";        // agent -> decode engine: slot, prefill instance
constexpr const char* kStop = "disagg_stop";              // prefill engine -> decode engine (count) or agent
// p2p tag of the KV sends; matching is in posting order per pair of ranks.
constexpr int kKvTag = 7;

core::Message message(const char* type, const std::vector<std::int64_t>& fields) {
  core::Message m;
  m.type = type;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) m.payload += ' ';
    m.payload += std::to_string(fields[i]);
  }
  m.bytes = static_cast<std::int64_t>(m.payload.size());
  return m;
}

std::vector<std::int64_t> fields_of(const core::Message& m, std::size_t count) {
  std::istringstream in(m.payload);
  std::vector<std::int64_t> out(count);
  for (std::int64_t& f : out) {
    if (!(in >> f)) throw std::logic_error("disaggregation: malformed " + m.type + " message '" + m.payload + "'");
  }
  return out;
}

// The KV of a request as sent: whole, one flow; layerwise, every layer but the last at
// once, then the last layer's share.
std::vector<std::int64_t> kv_parts(const DisaggLayout& layout, std::size_t slot) {
  const std::int64_t bytes = layout.flow_bytes(slot);
  if (layout.transfer == core::KvTransferMode::whole || layout.layers <= 1) return {bytes};
  const std::int64_t last = bytes / layout.layers;
  return {bytes - last, last};
}

core::Tensor kv_tensor(std::size_t slot, std::int64_t bytes) {
  core::Tensor t;  // the bytes live in the engine's KV blocks: nothing to allocate
  t.desc = core::bytes_tensor("kv transfer s" + std::to_string(slot), bytes, core::MemoryTag::kv_cache);
  return t;
}

std::int64_t blocks_for(const DisaggLayout& layout, std::size_t slot) {
  const std::int64_t b = layout.block_size_tokens;
  return (layout.requests.at(slot).prompt_tokens + b - 1) / b;
}

std::optional<core::Message> receive(core::Runtime& rt, double until) {
  const double now = rt.now_s();
  if (std::isinf(until)) return rt.receive_message(-1);
  return rt.receive_message(std::max(0.0, until - now));
}

}  // namespace

DecodeBoard::DecodeBoard(std::vector<std::int64_t> pool_blocks, core::DecodePolicy policy)
    : policy_(policy), total_(std::move(pool_blocks)), used_(total_.size(), 0), promised_(total_.size(), 0) {
  if (total_.empty()) throw std::logic_error("disaggregation: no decode instance");
}

int DecodeBoard::choose(std::int64_t blocks) {
  std::lock_guard<std::mutex> lock(mutex_);
  int pick = 0;
  if (policy_ == core::DecodePolicy::round_robin) {
    pick = next_;
    next_ = (next_ + 1) % static_cast<int>(total_.size());
  } else {
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < total_.size(); ++i) {
      const double load = static_cast<double>(used_[i] + promised_[i]) / static_cast<double>(std::max<std::int64_t>(1, total_[i]));
      if (load < best) {
        best = load;
        pick = static_cast<int>(i);
      }
    }
  }
  promised_[static_cast<std::size_t>(pick)] += blocks;
  return pick;
}

void DecodeBoard::reserved(int instance, std::int64_t blocks, std::int64_t used) {
  std::lock_guard<std::mutex> lock(mutex_);
  promised_.at(static_cast<std::size_t>(instance)) -= blocks;
  used_.at(static_cast<std::size_t>(instance)) = used;
}

void DecodeBoard::report(int instance, std::int64_t used) {
  std::lock_guard<std::mutex> lock(mutex_);
  used_.at(static_cast<std::size_t>(instance)) = used;
}

PoolLink::PoolLink(std::shared_ptr<const DisaggLayout> layout, Role role, int instance, std::vector<std::size_t> slots,
                   std::shared_ptr<DisaggRecords> records)
    : layout_(std::move(layout)),
      role_(role),
      instance_(instance),
      slots_(std::move(slots)),
      records_(std::move(records)),
      sent_to_(layout_->decode_rank.size(), 0) {}

void PoolLink::configure(BatchScheduler& scheduler) const {
  if (role_ == Role::prefill) scheduler.hand_off_after_prefill();
}

void PoolLink::offer(core::Runtime& rt, std::size_t local_slot) {
  const std::size_t slot = slots_.at(local_slot);
  const int decode = layout_->board->choose(blocks_for(*layout_, slot));
  offered_to_[slot] = decode;
  sent_to_[static_cast<std::size_t>(decode)] += 1;
  rt.post_message(layout_->decode_rank.at(static_cast<std::size_t>(decode)),
                  message(kOffer, {static_cast<std::int64_t>(slot), instance_}));
}

void PoolLink::step_started(core::Runtime& rt, const StepPlan& plan, const BatchScheduler& scheduler) {
  if (role_ != Role::prefill || layout_->transfer != core::KvTransferMode::layerwise) return;
  // The step that ends a prompt's prefill streams its KV: offer it now.
  for (const ScheduledSeq& s : plan.seqs) {
    const RequestState& state = scheduler.state(s.slot);
    if (!s.seq.decode && s.seq.final_chunk && state.generated == 0 && state.request.output_tokens > 1) offer(rt, s.slot);
  }
}

void PoolLink::step_completed(core::Runtime& rt, const StepOutcome& outcome, const BatchScheduler& scheduler) {
  (void)scheduler;
  if (role_ != Role::prefill) return;
  for (std::size_t local : outcome.handed_off) {
    const std::size_t slot = slots_.at(local);
    leaving_[slot] = local;
    if (layout_->transfer == core::KvTransferMode::whole) {
      offer(rt, local);
    } else {
      rt.post_message(layout_->agent_rank.at(static_cast<std::size_t>(instance_)),
                      message(kLastLayer, {static_cast<std::int64_t>(slot)}));
    }
  }
}

std::vector<std::size_t> PoolLink::poll(core::Runtime& rt, BatchScheduler& scheduler, const ApplyKv& apply,
                                        double until) {
  std::vector<std::size_t> arrived;
  for (std::optional<core::Message> m = receive(rt, until); m; m = rt.receive_message(0)) {
    handle(rt, *m, scheduler, apply, arrived);
  }
  if (role_ == Role::decode) {
    reserve_offers(rt, scheduler, apply);
    layout_->board->report(instance_, scheduler.blocks().used_blocks());
  }
  return arrived;
}

void PoolLink::handle(core::Runtime& rt, const core::Message& m, BatchScheduler& scheduler, const ApplyKv& apply,
                      std::vector<std::size_t>& arrived) {
  if (role_ == Role::prefill) {
    if (m.type != kSent) throw std::logic_error("disaggregation: a prefill engine got a " + m.type + " message");
    const auto slot = static_cast<std::size_t>(fields_of(m, 1)[0]);
    const auto it = leaving_.find(slot);
    if (it == leaving_.end()) throw std::logic_error("disaggregation: KV sent for a request not handed off");
    apply(scheduler.release_handed_off(it->second));
    leaving_.erase(it);
    return;
  }
  if (m.type == kOffer) {
    const std::vector<std::int64_t> f = fields_of(m, 2);
    offers_.push_back({static_cast<std::size_t>(f[0]), static_cast<int>(f[1]), rt.now_s()});
    return;
  }
  if (m.type == kStop) {
    stops_ += 1;
    expected_ += fields_of(m, 1)[0];
    return;
  }
  if (m.type != kArrived) throw std::logic_error("disaggregation: a decode engine got a " + m.type + " message");
  const std::vector<std::int64_t> f = fields_of(m, 2);
  const auto slot = static_cast<std::size_t>(f[0]);
  const int agent = layout_->agent_rank.at(static_cast<std::size_t>(f[1]));
  // The data is here (the agent heard its sends complete): the receives match at once.
  for (std::int64_t bytes : kv_parts(*layout_, slot)) {
    if (bytes > 0) rt.wait(rt.recv(kv_tensor(slot, bytes), agent, core::kRecvStream, kKvTag));
  }
  scheduler.kv_arrived(slot);
  const auto it = in_transfer_.find(slot);
  if (it == in_transfer_.end()) throw std::logic_error("disaggregation: KV arrived for a request never reserved");
  it->second.arrived_s = rt.now_s();
  if (records_) records_->transfers.push_back(it->second);
  in_transfer_.erase(it);
  arrived_ += 1;
  arrived.push_back(slot);
}

void PoolLink::reserve_offers(core::Runtime& rt, BatchScheduler& scheduler, const ApplyKv& apply) {
  while (!offers_.empty()) {
    const Offer o = offers_.front();
    const std::optional<KvEvent> grown = scheduler.reserve_prefilled(o.slot);
    if (!grown) return;  // FIFO: the head waits for room, the others behind it
    offers_.pop_front();
    apply({*grown});
    layout_->board->reserved(instance_, blocks_for(*layout_, o.slot), scheduler.blocks().used_blocks());
    const ServingRequest& r = layout_->requests.at(o.slot);
    KvTransferRecord rec;
    rec.id = r.id;
    rec.prefill_instance = o.prefill;
    rec.bytes = r.prompt_tokens * layout_->kv_bytes_per_token;
    rec.offered_s = o.offered_s;
    rec.reserved_s = rt.now_s();
    in_transfer_[o.slot] = rec;
    rt.post_message(layout_->agent_rank.at(static_cast<std::size_t>(o.prefill)),
                    message(kPull, {static_cast<std::int64_t>(o.slot), instance_}));
  }
}

bool PoolLink::busy() const {
  if (role_ == Role::prefill) return !leaving_.empty();
  return stops_ < static_cast<int>(layout_->prefill_rank.size()) || arrived_ < expected_ || !offers_.empty() ||
         !in_transfer_.empty();
}

void PoolLink::finish(core::Runtime& rt) {
  if (role_ != Role::prefill) return;
  if (!leaving_.empty()) throw std::logic_error("disaggregation: a prefill engine ended with KV still to send");
  rt.post_message(layout_->agent_rank.at(static_cast<std::size_t>(instance_)), message(kStop, {0}));
  for (std::size_t d = 0; d < layout_->decode_rank.size(); ++d) {
    rt.post_message(layout_->decode_rank[d], message(kStop, {sent_to_[d]}));
  }
}

namespace {

// The agent: pulls in the order they come, one transfer at a time.
class KvAgent {
 public:
  KvAgent(const DisaggLayout& layout, int instance, core::Runtime& rt) : l_(layout), instance_(instance), rt_(rt) {}

  void run() {
    while (true) {
      if (jobs_.empty()) {
        if (stopped_) return;
        handle(*rt_.receive_message(-1));
        continue;
      }
      Job& job = jobs_.front();
      const std::vector<std::int64_t> parts = kv_parts(l_, job.slot);
      const int to = l_.decode_rank.at(static_cast<std::size_t>(job.decode));
      if (!job.started) {
        send(job.slot, parts.front(), to);
        job.started = true;
      }
      if (parts.size() > 1) {
        if (last_layer_done_.count(job.slot) == 0) {  // the prefill step is still running
          handle(*rt_.receive_message(-1));
          continue;
        }
        last_layer_done_.erase(job.slot);
        send(job.slot, parts.back(), to);
      }
      rt_.post_message(l_.prefill_rank.at(static_cast<std::size_t>(instance_)),
                       message(kSent, {static_cast<std::int64_t>(job.slot)}));
      rt_.post_message(to, message(kArrived, {static_cast<std::int64_t>(job.slot), instance_}));
      jobs_.pop_front();
    }
  }

 private:
  struct Job {
    std::size_t slot = 0;
    int decode = 0;
    bool started = false;
  };

  void send(std::size_t slot, std::int64_t bytes, int to) {
    if (bytes > 0) rt_.wait(rt_.send(kv_tensor(slot, bytes), to, core::kSendStream, kKvTag));
  }

  void handle(const core::Message& m) {
    if (m.type == kPull) {
      const std::vector<std::int64_t> f = fields_of(m, 2);
      jobs_.push_back({static_cast<std::size_t>(f[0]), static_cast<int>(f[1]), false});
    } else if (m.type == kLastLayer) {
      last_layer_done_.insert(static_cast<std::size_t>(fields_of(m, 1)[0]));
    } else if (m.type == kStop) {
      stopped_ = true;
    } else {
      throw std::logic_error("disaggregation: a KV agent got a " + m.type + " message");
    }
  }

  const DisaggLayout& l_;
  int instance_;
  core::Runtime& rt_;
  std::deque<Job> jobs_;
  std::set<std::size_t> last_layer_done_;
  bool stopped_ = false;
};

}  // namespace

core::RankProgram make_kv_agent_program(std::shared_ptr<const DisaggLayout> layout, int instance) {
  return [layout, instance](core::Runtime& rt) { KvAgent(*layout, instance, rt).run(); };
}

}  // namespace lcperf::schedulers::serving
