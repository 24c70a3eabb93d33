#include "sim/sim_runtime.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace lcperf::sim {

core::Tensor SimRuntime::allocate(const core::TensorDesc& desc) {
  core::Tensor tensor{world_.next_tensor_id(), desc};
  world_.memory().allocate(actor_, desc.tag, desc.bytes(), now_s());
  return tensor;
}

void SimRuntime::release(core::Tensor& tensor) {
  if (!tensor.valid()) throw std::logic_error("rank " + std::to_string(rank_) + " releases an invalid tensor");
  world_.memory().release(actor_, tensor.desc.tag, tensor.bytes(), now_s());
  tensor.id = 0;
}

core::Completion SimRuntime::enqueue(core::StreamId stream, StreamWork* work) {
  work->completion = world_.new_completion();
  const core::Completion c{work->completion};
  issued_.push_back(c.id);
  Deferred* entry = nullptr;
  for (Deferred& d : deferred_) {
    if (d.stream == stream) {
      entry = &d;
      break;
    }
  }
  if (entry != nullptr && !entry->work.empty()) {
    entry->work.push_back(work);
  } else if (world_.stream_idle(actor_, stream)) {
    if (entry == nullptr) entry = &deferred_.emplace_back(Deferred{stream, 0, {}});
    entry->since = ++deferrals_;
    entry->work.push_back(work);
    ++deferring_;
  } else {
    flush_deferred();
    catch_up();
    world_.enqueue(actor_, stream, work);
  }
  return c;
}

void SimRuntime::flush_deferred_work(core::StreamId except) {
  for (bool caught_up = false; deferring_ > 0;) {
    // The entry deferred first among those to flush (there are rarely more than two).
    Deferred* next = nullptr;
    for (Deferred& d : deferred_) {
      if (!d.work.empty() && d.stream != except && (next == nullptr || d.since < next->since)) next = &d;
    }
    if (next == nullptr) return;
    if (!caught_up) {
      catch_up();
      caught_up = true;
    }
    for (StreamWork* w : next->work) world_.enqueue(actor_, next->stream, w);
    next->work.clear();
    --deferring_;
  }
}

bool SimRuntime::run_deferred_until(std::uint64_t completion) {
  if (deferring_ == 0) return false;
  Deferred* held = nullptr;
  for (Deferred& d : deferred_) {
    // A stream's deferred completions increase along its chain.
    if (d.work.empty() || completion < d.work.front()->completion || completion > d.work.back()->completion) continue;
    if (std::any_of(d.work.begin(), d.work.end(), [completion](const StreamWork* w) { return w->completion == completion; })) {
      held = &d;
      break;
    }
  }
  if (held == nullptr) return false;
  const core::StreamId stream = held->stream;
  if (deferring_ > 1) flush_deferred_work(stream);
  WorkQueue<StreamWork*>& chain = held->work;
  RankState& state = world_.rank_state(actor_);
  for (;;) {
    StreamWork& work = *chain.take_front();
    const bool last = work.completion == completion;
    if (chain.empty()) --deferring_;
    if (may_run_ahead(work, stream)) {
      const double start = now_s();
      ahead_s_ += work.duration_s;
      world_.count_events(1);
      world_.record_work(actor_, stream, work, start, now_s());
    } else {
      catch_up();
      state.running_inline = true;
      state.inline_kind = work.kind;
      state.inline_peer_rank = work.peer_rank;
      state.inline_tag = work.tag;
      state.inline_stream = stream;
      world_.run_work(actor_, stream, work, world_.cpu_quiet(actor_, stream));
      state.running_inline = false;
    }
    world_.release_work(&work);
    if (last) return true;
  }
}

bool SimRuntime::may_run_ahead(const StreamWork& work, core::StreamId stream) {
  return world_.input().run_ahead && work.kind == StreamWork::Kind::kernel && work.duration_s > 0 &&
         world_.other_streams_idle(actor_, stream);
}

void SimRuntime::catch_up() {
  if (ahead_s_ <= 0) return;
  const double target = world_.engine().clock() + ahead_s_;
  ahead_s_ = 0;
  world_.engine().sleep_until(target);
}

int SimRuntime::actor_of_peer(int peer, const char* what) const {
  if (peer < 0 || peer >= world_.ranks() || peer == rank_) {
    throw std::logic_error("rank " + std::to_string(rank_) + ": " + what + " with invalid peer " + std::to_string(peer));
  }
  if (peer % world_.fold() != 0) {
    throw std::logic_error("rank " + std::to_string(rank_) + ": " + what + " with rank " + std::to_string(peer) +
                           ", which is not the first of its group of " + std::to_string(world_.fold()) +
                           "; this program cannot be simulated with tensor-parallel folding");
  }
  if (world_.image_of(peer) != peer) {
    throw std::logic_error("rank " + std::to_string(rank_) + ": " + what + " with rank " + std::to_string(peer) +
                           ", which data-parallel folding does not simulate (it mirrors rank " +
                           std::to_string(world_.image_of(peer)) + "); only collectives may reach it");
  }
  return peer / world_.fold();
}

core::Completion SimRuntime::launch(const core::KernelOp& op, core::StreamId stream) {
  const cost::Price price = world_.input().kernel_price(op);
  StreamWork& work = *world_.new_work();
  work.kind = StreamWork::Kind::kernel;
  work.name = op.name;
  work.category = op.category;
  work.micro_batch = op.micro_batch;
  work.duration_s = price.time_s + op.host_time_s;
  work.flops = price.flops;
  work.bytes = price.bytes;
  return enqueue(stream, &work);
}

namespace {

// "send act to 3": written in place, in one allocation at most; every send and receive
// names its record so (a temporary for the number and four appends cost a tenth of
// the instructions of a pipeline's simulation).
template <std::size_t VerbSize, std::size_t DirectionSize>
std::string p2p_name(const char (&verb)[VerbSize], std::string_view tensor, const char (&direction)[DirectionSize],
                     int peer) {
  char digits[16];
  const std::size_t digit_count = static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, peer).ptr - digits);
  std::string name;
  name.resize(VerbSize - 1 + tensor.size() + DirectionSize - 1 + digit_count);
  char* out = name.data();
  out = std::copy_n(verb, VerbSize - 1, out);
  out = std::copy_n(tensor.data(), tensor.size(), out);
  out = std::copy_n(direction, DirectionSize - 1, out);
  std::copy_n(digits, digit_count, out);
  return name;
}

}  // namespace

core::Completion SimRuntime::p2p(bool sending, const core::Tensor& tensor, int peer, core::StreamId stream, int tag) {
  const int peer_actor = actor_of_peer(peer, sending ? "send" : "recv");
  StreamWork& work = *world_.new_work();
  work.peer = peer_actor;
  work.kind = sending ? StreamWork::Kind::send : StreamWork::Kind::recv;
  work.name = sending ? p2p_name("send ", tensor.desc.name, " to ", peer) : p2p_name("recv ", tensor.desc.name, " from ", peer);
  work.category = "p2p";
  work.bytes = static_cast<double>(tensor.bytes());
  work.wire_bytes = work.bytes * world_.fold();
  work.peer_rank = peer;
  work.tag = tag;
  return enqueue(stream, &work);
}

core::Completion SimRuntime::send(const core::Tensor& tensor, int peer, core::StreamId stream, int tag) {
  return p2p(true, tensor, peer, stream, tag);
}

core::Completion SimRuntime::recv(const core::Tensor& tensor, int peer, core::StreamId stream, int tag) {
  return p2p(false, tensor, peer, stream, tag);
}

core::Completion SimRuntime::collective(core::CollectiveKind kind, const core::CommGroup& group,
                                        const core::Tensor& tensor, core::StreamId stream) {
  if (std::find(group.ranks.begin(), group.ranks.end(), rank_) == group.ranks.end()) {
    throw std::logic_error("rank " + std::to_string(rank_) + " joins collective of group '" + group.name +
                           "' it is not a member of");
  }
  auto members = std::make_shared<core::CommGroup>();
  members->name = group.name;
  for (int r : group.ranks) {
    // A mirrored member (data-parallel folding) keeps its own place: the ring is planned
    // over the whole group's topology.
    const bool mirrored = r >= 0 && r < world_.ranks() && world_.image_of(r) != r && r % world_.fold() == 0;
    members->ranks.push_back(r == rank_ ? actor_ : mirrored ? r / world_.fold() : actor_of_peer(r, "collective"));
  }
  StreamWork& work = *world_.new_work();
  work.kind = StreamWork::Kind::collective;
  work.name = std::string(core::to_string(kind)) + " " + group.name + " " + tensor.desc.name;
  work.category = "collective";
  work.bytes = static_cast<double>(tensor.bytes());
  work.wire_bytes = work.bytes * world_.fold();
  work.collective = kind;
  work.group = std::move(members);
  return enqueue(stream, &work);
}

void SimRuntime::wait(core::Completion completion) {
  if (run_deferred_until(completion.id)) return;
  flush_deferred();
  if (world_.is_done(completion.id)) return;
  catch_up();
  RankState& state = world_.rank_state(actor_);
  // Only this actor takes the wait point's lock, so it keeps it from its first wait on
  // (locking and unlocking are simcalls).
  state.progress->hold();
  state.waiting_completion = completion.id;
  while (!world_.is_done(completion.id)) state.progress->wait();
  state.waiting_completion = 0;
}

void SimRuntime::synchronize() {
  flush_deferred();
  for (std::uint64_t id : issued_) wait(core::Completion{id});
  issued_.clear();
  catch_up();
}

double SimRuntime::now_s() const { return world_.engine().clock() + ahead_s_; }

void SimRuntime::sleep_until(double time_s) {
  flush_deferred();
  catch_up();
  world_.engine().sleep_until(time_s);
  world_.count_wakeup();
}

void SimRuntime::post_message(int to, const core::Message& message) {
  flush_deferred();
  catch_up();
  auto* copy = new core::Message(message);
  copy->from = rank_;
  // Detached: the sender does not wait for delivery; the receiver owns the copy.
  world_.message_mailbox(actor_of_peer(to, "post_message"))
      ->put_detached(copy, static_cast<std::uint64_t>(std::max<std::int64_t>(message.bytes, 1)));
  world_.count_events(1);
}

std::optional<core::Message> SimRuntime::receive_message(double timeout_s) {
  flush_deferred();
  catch_up();
  if (!pending_message_) pending_message_ = world_.message_mailbox(actor_)->get_async();
  if (timeout_s < 0 || std::isinf(timeout_s)) {
    pending_message_->wait();
  } else if (!pending_message_->wait_for(timeout_s)) {
    world_.count_wakeup();
    return std::nullopt;  // timed out: the get stays posted
  }
  std::unique_ptr<core::Message> owned(static_cast<core::Message*>(pending_message_->payload()));
  pending_message_.reset();
  return *owned;
}

SimRuntime::~SimRuntime() {
  // The rank is done: nobody will read what arrives from now on.
  if (pending_message_) {
    try {
      pending_message_->cancel();
    } catch (...) {  // NOLINT(bugprone-empty-catch): the simulation is tearing this actor down
    }
  }
}

void SimRuntime::log_decision(std::string_view kind, std::string_view detail) {
  world_.records().decisions.push_back({now_s(), rank_, std::string(kind), std::string(detail)});
}

}  // namespace lcperf::sim
