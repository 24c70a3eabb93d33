#include "sim/native_engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <exception>
#include <limits>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/event_calendar.hpp"
#include "sim/fiber.hpp"
#include "sim/flow_solver.hpp"
#include "sim/host_network.hpp"

namespace lcperf::sim {

namespace {

constexpr std::size_t kStackBytes = 128 * 1024;
// Events whose dates differ by less than this happen together (SimGrid's
// surf/precision: its models end every action within it of the current date).
constexpr double kDatePrecision = 1e-9;
constexpr double kNever = std::numeric_limits<double>::infinity();

class NativeEngine;
struct Comm;
class NativeMailbox;
class NativeWaitPoint;

struct NativeActor {
  NativeEngine* engine = nullptr;
  std::uint32_t id = 0;
  std::string name;
  EngineHost host = nullptr;
  int cpu = -1;  // the host's speed constraint
  std::function<void()> body;
  std::unique_ptr<Fiber> fiber;
  bool daemon = false;
  bool ended = false;
  bool killed = false;
  bool queued = false;
  // Bumped whenever the actor blocks and wakes: a timer armed for an earlier block
  // carries an older token and is ignored.
  std::uint32_t token = 0;
  NativeActor* next_ready = nullptr;
  // What it is blocked on, so that a kill can withdraw it.
  Comm* wait_comm = nullptr;
  int wait_side = 0;
  int wait_flow = -1;
  NativeWaitPoint* wait_point = nullptr;
};

// A route as the flow model sees it.
struct Route {
  double latency = 0;
  std::vector<int> constraints;  // its SHARED links
  double bound = -1;             // its narrowest FATPIPE link (each flow alone on it); <= 0: none
};

enum class CommState : std::uint8_t { posted, running, ended, cancelled };
enum Side : int { kPutSide = 0, kGetSide = 1 };

// One transfer: a put and a get once matched, or a direct send. Reference counted by
// whoever still needs it (the mailbox queue, each side's caller or handle, the flow).
struct Comm {
  std::uint32_t refs = 0;
  CommState state = CommState::posted;
  EngineHost src = nullptr;
  EngineHost dst = nullptr;
  std::uint64_t bytes = 0;
  void* payload = nullptr;
  NativeActor* waiters[2] = {nullptr, nullptr};
  NativeMailbox* box = nullptr;  // the mailbox it waits in, if any
  bool in_puts = false;          // in that mailbox's puts (else its gets)
  Comm* prev = nullptr;
  Comm* next = nullptr;
  int flow = -1;
  Comm* next_free = nullptr;
};

// An execution or a transfer in the flow model.
struct Flow {
  bool live = false;
  bool in_latency = false;
  int var = -1;
  double remaining = 0;
  double rate = 0;
  double last_update = 0;
  std::uint32_t version = 0;
  NativeActor* actor = nullptr;  // an execution's actor
  Comm* comm = nullptr;          // a transfer's comm
  const Route* route = nullptr;
};

enum class EventKind : std::uint8_t { timer, flow };

// A pending event; its date is the calendar's (event_calendar.hpp), which keeps the
// order SimGrid's would: by date, then by insertion.
struct Event {
  std::uint32_t id;
  std::uint32_t version;
  EventKind kind;
};

// An intrusive FIFO of comms (a mailbox's waiting puts or gets).
struct CommQueue {
  Comm* head = nullptr;
  Comm* tail = nullptr;
  bool empty() const { return head == nullptr; }
  void push(Comm* c) {
    c->prev = tail;
    c->next = nullptr;
    if (tail != nullptr) {
      tail->next = c;
    } else {
      head = c;
    }
    tail = c;
  }
  void remove(Comm* c) {
    if (c->prev != nullptr) {
      c->prev->next = c->next;
    } else {
      head = c->next;
    }
    if (c->next != nullptr) {
      c->next->prev = c->prev;
    } else {
      tail = c->prev;
    }
    c->prev = c->next = nullptr;
  }
};

class NativeMailbox final : public Mailbox {
 public:
  explicit NativeMailbox(NativeEngine* engine) : engine_(engine) {}
  void set_receiver(ActorHandle receiver) override;
  bool listen() override { return !puts.empty(); }
  void put(void* payload, std::uint64_t bytes) override;
  void* get() override;
  TransferPtr put_async(void* payload, std::uint64_t bytes) override;
  TransferPtr get_async() override;
  void put_detached(void* payload, std::uint64_t bytes) override;

  CommQueue puts;  // unmatched puts (started already, with a permanent receiver)
  CommQueue gets;  // unmatched gets
  NativeActor* receiver = nullptr;

 private:
  NativeEngine* engine_;
};

class NativeWaitPoint final : public WaitPoint {
 public:
  explicit NativeWaitPoint(NativeEngine* engine) : engine_(engine) {}
  ~NativeWaitPoint() override;
  void hold() override {}
  void wait() override;
  void notify_all() override;
  void abandon() override {}

  NativeActor* waiter = nullptr;

 private:
  NativeEngine* engine_;
};

// A handle on one side of a comm. Recycled through a free list: async transfers are
// made at every collective step, and a heap allocation each would show.
class NativeTransfer final : public Transfer {
 public:
  NativeTransfer(NativeEngine* engine, Comm* comm, Side side) : engine_(engine), comm_(comm), side_(side) {}
  ~NativeTransfer() override;
  void wait() override;
  bool wait_for(double timeout_s) override;
  void cancel() override;
  void* payload() const override { return comm_->payload; }

  static void* operator new(std::size_t bytes);
  static void operator delete(void* p) noexcept;

 private:
  NativeEngine* engine_;
  Comm* comm_;
  Side side_;
};

struct FreeBlock {
  FreeBlock* next;
};
thread_local FreeBlock* g_free_transfers = nullptr;

void* NativeTransfer::operator new(std::size_t bytes) {
  if (bytes == sizeof(NativeTransfer) && g_free_transfers != nullptr) {
    FreeBlock* block = g_free_transfers;
    g_free_transfers = block->next;
    return block;
  }
  return ::operator new(std::max(bytes, sizeof(NativeTransfer)));
}

void NativeTransfer::operator delete(void* p) noexcept {
  auto* block = static_cast<FreeBlock*>(p);
  block->next = g_free_transfers;
  g_free_transfers = block;
}

// A pair of pointers mixed so that the high bits vary too (pointers share their low
// bits): the route map hashes with it, and the route cache takes its top bits.
struct PairHash {
  std::size_t operator()(const std::pair<const void*, const void*>& p) const {
    const auto a = reinterpret_cast<std::uintptr_t>(p.first);
    const auto b = reinterpret_cast<std::uintptr_t>(p.second);
    return ((a * 0x9E3779B97F4A7C15ull) ^ b) * 0xC2B2AE3D27D4EB4Full;
  }
};

class NativeEngine final : public EventEngine {
 public:
  explicit NativeEngine(const HostNetwork& network) : network_(network) {}
  ~NativeEngine() override;
  void unwind_blocked() override;
  NativeEngine(const NativeEngine&) = delete;
  NativeEngine& operator=(const NativeEngine&) = delete;

  double clock() const override { return now_; }
  ActorHandle spawn(const std::string& name, EngineHost host, std::function<void()> body) override;
  void daemonize(ActorHandle actor) override;
  void kill_all() override;
  [[noreturn]] void exit_actor() override { throw NativeActorKilled{}; }
  void sleep_for(double duration_s) override;
  void sleep_until(double time_s) override { sleep_for(time_s - now_); }
  void execute(double flops) override;
  Mailbox* mailbox(const std::string& name) override;
  TransferPtr send_async(EngineHost from, EngineHost to, std::uint64_t bytes) override;
  std::unique_ptr<WaitPoint> new_wait_point() override { return std::make_unique<NativeWaitPoint>(this); }
  void run() override;

  // Used by the mailboxes, wait points and handles.
  static NativeActor* actor_of(ActorHandle handle) { return reinterpret_cast<NativeActor*>(handle); }
  // The calling actor at a blocking call: nullptr when it is unwinding after its kill
  // (the call then returns at once); throws NativeActorKilled when it was killed.
  NativeActor* enter();
  NativeActor* running_actor() const;
  void block(NativeActor* self);
  void wake(NativeActor* actor);
  Comm* post_put(NativeMailbox* box, void* payload, std::uint64_t bytes, bool held);
  Comm* post_get(NativeMailbox* box, NativeActor* self);
  // Blocks until `comm` ends (true) or `timeout_s` passes (false; it stays posted).
  bool wait_comm(Comm* comm, Side side, double timeout_s);
  void cancel_comm(Comm* comm);
  void release(Comm* comm);
  void wait_on(NativeWaitPoint* point);

 private:
  static void actor_entry(void* arg);
  [[noreturn]] void actor_main(NativeActor* actor);
  void resume(NativeActor* actor);
  NativeActor* pop_ready();
  void drain_ready();
  void kill(NativeActor* actor);
  void kill_others(NativeActor* survivor);
  void unwind_all();

  void push_event(double date, EventKind kind, std::uint32_t id, std::uint32_t version);
  bool event_is_live(const Event& e) const;
  void process(const Event& e);
  bool advance();
  void update_rates();

  int cpu_constraint(EngineHost host);
  const Route& route(EngineHost src, EngineHost dst);
  const Route& find_route(EngineHost src, EngineHost dst);
  int new_flow();
  void free_flow(int index);
  void activate(int flow, double penalty, bool from_event);
  void complete_flow(int flow);
  void start_comm(Comm* comm);
  void end_comm(Comm* comm, CommState state);
  Comm* new_comm();

  const HostNetwork& network_;
  HostRoute scratch_route_;  // find_route's, kept for its storage
  double now_ = 0;
  FlowSolver solver_;
  Fiber scheduler_;
  NativeActor* current_ = nullptr;
  NativeActor* ready_head_ = nullptr;
  NativeActor* ready_tail_ = nullptr;
  std::vector<std::unique_ptr<NativeActor>> actors_;
  std::size_t live_nondaemons_ = 0;
  std::exception_ptr error_;

  EventCalendar<Event> events_;
  std::vector<int> changed_;

  std::vector<Flow> flows_;
  std::vector<int> free_flows_;
  std::vector<int> flow_of_var_;
  std::deque<Comm> comms_;
  Comm* free_comms_ = nullptr;

  std::unordered_map<EngineHost, int> cpus_;
  std::unordered_map<const void*, int> links_;  // by NetworkLink::id
  std::unordered_map<std::pair<const void*, const void*>, std::size_t, PairHash> route_index_;
  std::deque<Route> routes_;  // a deque: the cache below keeps pointers into it
  struct RouteCacheSlot {
    EngineHost src = nullptr;
    EngineHost dst = nullptr;
    const Route* route = nullptr;
  };
  static constexpr int kRouteCacheBits = 12;
  static constexpr std::size_t kRouteCacheSlots = std::size_t{1} << kRouteCacheBits;
  std::vector<RouteCacheSlot> route_cache_ = std::vector<RouteCacheSlot>(kRouteCacheSlots);
  std::unordered_map<std::string, std::unique_ptr<NativeMailbox>> mailboxes_;
};

// ---- actors and scheduling ----

NativeEngine::~NativeEngine() { unwind_blocked(); }

void NativeEngine::unwind_blocked() {
  // Actors still blocked (a deadlock, or an error stopped the run) unwind as killed
  // ones do, so that what their stacks own is destroyed. An error raised meanwhile has
  // nobody left to report to: the unwinding goes on regardless.
  error_ = nullptr;
  kill_others(nullptr);
  while (ready_head_ != nullptr) {
    error_ = nullptr;
    drain_ready();
  }
}

void NativeEngine::unwind_all() {
  kill_others(nullptr);
  drain_ready();
}

ActorHandle NativeEngine::spawn(const std::string& name, EngineHost host, std::function<void()> body) {
  auto actor = std::make_unique<NativeActor>();
  actor->engine = this;
  actor->id = static_cast<std::uint32_t>(actors_.size());
  actor->name = name;
  actor->host = host;
  actor->cpu = cpu_constraint(host);
  actor->body = std::move(body);
  actor->fiber = std::make_unique<Fiber>(kStackBytes, &NativeEngine::actor_entry, actor.get());
  NativeActor* raw = actor.get();
  actors_.push_back(std::move(actor));
  ++live_nondaemons_;
  wake(raw);
  return reinterpret_cast<ActorHandle>(raw);
}

void NativeEngine::daemonize(ActorHandle handle) {
  NativeActor* actor = actor_of(handle);
  if (actor->daemon || actor->ended) return;
  actor->daemon = true;
  --live_nondaemons_;
}

void NativeEngine::actor_entry(void* arg) {
  auto* actor = static_cast<NativeActor*>(arg);
  actor->engine->actor_main(actor);
}

void NativeEngine::actor_main(NativeActor* actor) {
  // Nothing may unwind past the fiber's first frame: the kill ends the actor, anything
  // else is a bug reported by run().
  if (!actor->killed) {
    try {
      actor->body();
    } catch (const NativeActorKilled&) {
    } catch (...) {
      if (!error_) error_ = std::current_exception();
    }
  }
  actor->ended = true;
  if (!actor->daemon) --live_nondaemons_;
  Fiber::switch_to(*actor->fiber, scheduler_);
  std::terminate();  // an ended actor is never resumed
}

void NativeEngine::wake(NativeActor* actor) {
  if (actor->queued || actor->ended) return;
  actor->queued = true;
  actor->next_ready = nullptr;
  if (ready_tail_ != nullptr) {
    ready_tail_->next_ready = actor;
  } else {
    ready_head_ = actor;
  }
  ready_tail_ = actor;
}

NativeActor* NativeEngine::pop_ready() {
  if (ready_head_ == nullptr || error_) return nullptr;
  NativeActor* actor = ready_head_;
  ready_head_ = actor->next_ready;
  if (ready_head_ == nullptr) ready_tail_ = nullptr;
  actor->queued = false;
  return actor;
}

void NativeEngine::resume(NativeActor* actor) {
  current_ = actor;
  Fiber::switch_to(scheduler_, *actor->fiber);
  // Back on the scheduler's stack, from whichever actor blocked last (actors hand over
  // to each other directly, see block()).
  NativeActor* back = current_;
  current_ = nullptr;
  if (back->ended) {
    // Off its stack now: the stack and what the body captured can go.
    back->fiber.reset();
    back->body = nullptr;
  }
}

void NativeEngine::drain_ready() {
  while (NativeActor* actor = pop_ready()) resume(actor);
}

NativeActor* NativeEngine::running_actor() const {
  if (current_ == nullptr) throw std::logic_error("native engine: an actor's call outside any actor");
  return current_;
}

NativeActor* NativeEngine::enter() {
  NativeActor* self = running_actor();
  if (self->killed) {
    // Unwinding after the kill: blocking calls from destructors return at once.
    if (std::uncaught_exceptions() > 0) return nullptr;
    throw NativeActorKilled{};
  }
  return self;
}

void NativeEngine::block(NativeActor* self) {
  // The next ready actor runs straight from here, as the scheduler would have run it
  // next (same order), saving the switch through the scheduler's stack; the scheduler
  // runs only when nothing is ready (time advances) or an error stops the run.
  NativeActor* next = pop_ready();
  if (next == nullptr) {
    Fiber::switch_to(*self->fiber, scheduler_);
  } else if (next != self) {
    current_ = next;
    Fiber::switch_to(*self->fiber, *next->fiber);
  }
  // Resumed, by the scheduler or by another actor; either made this actor current_.
  ++self->token;
  if (self->killed && std::uncaught_exceptions() == 0) throw NativeActorKilled{};
}

void NativeEngine::kill(NativeActor* actor) {
  if (actor->ended || actor->killed) return;
  actor->killed = true;
  // Withdraw what it waits for, as SimGrid cancels a killed actor's activity.
  if (actor->wait_comm != nullptr) {
    Comm* comm = actor->wait_comm;
    comm->waiters[actor->wait_side] = nullptr;
    actor->wait_comm = nullptr;
    cancel_comm(comm);
  }
  if (actor->wait_flow >= 0) {
    const int flow = actor->wait_flow;
    actor->wait_flow = -1;
    if (flows_[static_cast<std::size_t>(flow)].var >= 0) solver_.remove_variable(flows_[static_cast<std::size_t>(flow)].var);
    free_flow(flow);
  }
  if (actor->wait_point != nullptr) {
    actor->wait_point->waiter = nullptr;
    actor->wait_point = nullptr;
  }
  ++actor->token;
  wake(actor);
}

void NativeEngine::kill_others(NativeActor* survivor) {
  for (const auto& actor : actors_) {
    if (actor.get() != survivor) kill(actor.get());
  }
}

void NativeEngine::kill_all() { kill_others(current_); }

void NativeEngine::run() {
  for (;;) {
    drain_ready();
    if (error_ || live_nondaemons_ == 0) break;
    if (!advance()) break;  // nothing ready, nothing pending: blocked forever
  }
  if (live_nondaemons_ == 0 && !error_) unwind_all();  // the daemons end with the last actor
  if (error_) {
    std::exception_ptr error = error_;
    error_ = nullptr;
    std::rethrow_exception(error);
  }
}

// ---- events ----

void NativeEngine::push_event(double date, EventKind kind, std::uint32_t id, std::uint32_t version) {
  events_.push(date, Event{id, version, kind});
}

bool NativeEngine::event_is_live(const Event& e) const {
  if (e.kind == EventKind::timer) {
    const NativeActor& actor = *actors_[e.id];
    return !actor.ended && actor.token == e.version;
  }
  const Flow& flow = flows_[e.id];
  return flow.live && flow.version == e.version;
}

bool NativeEngine::advance() {
  update_rates();
  bool first = true;
  while (!events_.empty()) {
    const double date = events_.next_date();
    if (!first && !(std::fabs(date - now_) < kDatePrecision)) break;
    const Event next = events_.pop();
    if (!event_is_live(next)) continue;
    if (first) {
      now_ = std::max(now_, date);
      first = false;
    }
    process(next);
  }
  return !first;
}

void NativeEngine::process(const Event& e) {
  if (e.kind == EventKind::timer) {
    NativeActor* actor = actors_[e.id].get();
    ++actor->token;  // the timer has fired: a second one for this block is stale
    wake(actor);
    return;
  }
  Flow& flow = flows_[e.id];
  if (flow.in_latency) {
    flow.in_latency = false;
    activate(static_cast<int>(e.id), flow.route->latency, true);
    return;
  }
  complete_flow(static_cast<int>(e.id));
}

void NativeEngine::update_rates() {
  changed_.clear();
  solver_.solve(changed_);
  for (const int var : changed_) {
    const int index = flow_of_var_[static_cast<std::size_t>(var)];
    Flow& flow = flows_[static_cast<std::size_t>(index)];
    flow.remaining = std::max(0.0, flow.remaining - flow.rate * (now_ - flow.last_update));
    flow.last_update = now_;
    flow.rate = solver_.rate(var);
    ++flow.version;
    if (flow.rate > 0) {
      push_event(now_ + flow.remaining / flow.rate, EventKind::flow, static_cast<std::uint32_t>(index), flow.version);
    }
  }
}

// ---- flows ----

int NativeEngine::cpu_constraint(EngineHost host) {
  auto [it, added] = cpus_.try_emplace(host, -1);
  if (added) it->second = solver_.add_constraint(network_.speed(host));
  return it->second;
}

const Route& NativeEngine::route(EngineHost src, EngineHost dst) {
  // Most transfers repeat a pair seen just before (a pipeline stage's neighbours, a
  // ring's next member): one slot of a direct-mapped cache answers them in one cache
  // line, where the hash map's bucket and node cost two or three misses.
  const std::size_t slot = PairHash()({src, dst}) >> (64 - kRouteCacheBits);
  RouteCacheSlot& cached = route_cache_[slot];
  if (cached.src == src && cached.dst == dst) return *cached.route;
  const Route& found = find_route(src, dst);
  cached = RouteCacheSlot{src, dst, &found};
  return found;
}

const Route& NativeEngine::find_route(EngineHost src, EngineHost dst) {
  auto [it, added] = route_index_.try_emplace(std::pair<const void*, const void*>(src, dst), routes_.size());
  if (!added) return routes_[it->second];
  Route& r = routes_.emplace_back();
  network_.route(src, dst, scratch_route_);
  r.latency = scratch_route_.latency;
  for (const NetworkLink& link : scratch_route_.links) {
    if (!link.shared) {
      // Each flow alone on it: a bound, not a shared constraint.
      r.bound = r.bound > 0 ? std::min(r.bound, link.bandwidth) : link.bandwidth;
      continue;
    }
    // Constraints are numbered in the order links are first used, as before.
    auto [cit, new_link] = links_.try_emplace(link.id, -1);
    if (new_link) cit->second = solver_.add_constraint(link.bandwidth);
    // A link crossed twice would count twice in SimGrid; the solver takes each once.
    if (std::find(r.constraints.begin(), r.constraints.end(), cit->second) == r.constraints.end()) {
      r.constraints.push_back(cit->second);
    }
  }
  return r;
}

int NativeEngine::new_flow() {
  int index;
  if (!free_flows_.empty()) {
    index = free_flows_.back();
    free_flows_.pop_back();
  } else {
    index = static_cast<int>(flows_.size());
    flows_.emplace_back();
  }
  Flow& flow = flows_[static_cast<std::size_t>(index)];
  const std::uint32_t version = flow.version + 1;
  flow = Flow{};
  flow.version = version;
  flow.live = true;
  flow.last_update = now_;
  return index;
}

void NativeEngine::free_flow(int index) {
  Flow& flow = flows_[static_cast<std::size_t>(index)];
  flow.live = false;
  ++flow.version;
  flow.var = -1;
  free_flows_.push_back(index);
}

// A flow starts taking its share (an execution at once, a transfer once its latency
// is paid), or ends right away when it has nothing to move.
void NativeEngine::activate(int index, double penalty, bool from_event) {
  Flow& flow = flows_[static_cast<std::size_t>(index)];
  flow.last_update = now_;
  flow.rate = 0;
  const bool unconstrained = flow.comm != nullptr && flow.route->constraints.empty() && flow.route->bound <= 0;
  if ((flow.comm != nullptr && flow.remaining <= 0) || unconstrained) {
    if (from_event) {
      complete_flow(index);
    } else {
      push_event(now_, EventKind::flow, static_cast<std::uint32_t>(index), flow.version);
    }
    return;
  }
  if (flow.comm != nullptr) {
    flow.var = solver_.add_variable(penalty, flow.route->bound, flow.route->constraints);
  } else {
    const int cpu = flow.actor->cpu;
    flow.var = solver_.add_variable(penalty, -1, std::span<const int>(&cpu, 1));
  }
  if (static_cast<std::size_t>(flow.var) >= flow_of_var_.size()) flow_of_var_.resize(static_cast<std::size_t>(flow.var) + 1, -1);
  flow_of_var_[static_cast<std::size_t>(flow.var)] = index;
}

void NativeEngine::complete_flow(int index) {
  Flow& flow = flows_[static_cast<std::size_t>(index)];
  if (flow.var >= 0) solver_.remove_variable(flow.var);
  NativeActor* actor = flow.actor;
  Comm* comm = flow.comm;
  free_flow(index);
  if (comm != nullptr) {
    comm->flow = -1;
    end_comm(comm, CommState::ended);
  } else if (actor != nullptr) {
    actor->wait_flow = -1;
    wake(actor);
  }
}

void NativeEngine::execute(double flops) {
  NativeActor* self = enter();
  if (self == nullptr) return;
  const int index = new_flow();
  Flow& flow = flows_[static_cast<std::size_t>(index)];
  flow.actor = self;
  flow.remaining = std::max(0.0, flops);
  activate(index, 1.0, false);
  self->wait_flow = index;
  block(self);
}

void NativeEngine::sleep_for(double duration_s) {
  NativeActor* self = enter();
  if (self == nullptr || !(duration_s > 0)) return;  // as SimGrid: no sleep at all
  push_event(now_ + duration_s, EventKind::timer, self->id, self->token);
  block(self);
}

// ---- transfers ----

Comm* NativeEngine::new_comm() {
  Comm* comm = free_comms_;
  if (comm != nullptr) {
    free_comms_ = comm->next_free;
    *comm = Comm{};
  } else {
    comm = &comms_.emplace_back();
  }
  return comm;
}

void NativeEngine::release(Comm* comm) {
  if (--comm->refs > 0) return;
  comm->next_free = free_comms_;
  free_comms_ = comm;
}

void NativeEngine::start_comm(Comm* comm) {
  comm->state = CommState::running;
  ++comm->refs;  // held by its flow until it ends
  const int index = new_flow();
  Flow& flow = flows_[static_cast<std::size_t>(index)];
  flow.comm = comm;
  flow.remaining = static_cast<double>(comm->bytes);
  flow.route = &route(comm->src, comm->dst);
  comm->flow = index;
  if (flow.route->latency > 0) {
    // CM02: the latency first, taking no bandwidth; then a share weighted by
    // 1 / latency on every link of the route.
    flow.in_latency = true;
    push_event(now_ + flow.route->latency, EventKind::flow, static_cast<std::uint32_t>(index), flow.version);
  } else {
    activate(index, 1.0, false);
  }
}

void NativeEngine::end_comm(Comm* comm, CommState state) {
  const bool running = comm->state == CommState::running;
  comm->state = state;
  for (NativeActor*& waiter : comm->waiters) {
    if (waiter != nullptr) {
      waiter->wait_comm = nullptr;
      wake(waiter);
      waiter = nullptr;
    }
  }
  if (running) release(comm);  // the flow's reference
}

void NativeEngine::cancel_comm(Comm* comm) {
  if (comm->state == CommState::ended || comm->state == CommState::cancelled) return;
  ++comm->refs;  // keep it alive through the withdrawals below
  if (comm->box != nullptr) {
    (comm->in_puts ? comm->box->puts : comm->box->gets).remove(comm);
    comm->box = nullptr;
    release(comm);
  }
  if (comm->flow >= 0) {
    const int index = comm->flow;
    comm->flow = -1;
    if (flows_[static_cast<std::size_t>(index)].var >= 0) solver_.remove_variable(flows_[static_cast<std::size_t>(index)].var);
    free_flow(index);
  }
  end_comm(comm, CommState::cancelled);
  release(comm);
}

Comm* NativeEngine::post_put(NativeMailbox* box, void* payload, std::uint64_t bytes, bool held) {
  EngineHost src = running_actor()->host;
  if (!box->gets.empty()) {
    Comm* comm = box->gets.head;
    box->gets.remove(comm);
    comm->box = nullptr;
    comm->src = src;
    comm->payload = payload;
    comm->bytes = bytes;
    if (held) ++comm->refs;
    start_comm(comm);
    release(comm);  // the mailbox's reference
    return comm;
  }
  Comm* comm = new_comm();
  comm->refs = held ? 2 : 1;  // the caller's and the mailbox's
  comm->src = src;
  comm->payload = payload;
  comm->bytes = bytes;
  comm->box = box;
  comm->in_puts = true;
  box->puts.push(comm);
  if (box->receiver != nullptr) {
    comm->dst = box->receiver->host;
    start_comm(comm);
  }
  return comm;
}

Comm* NativeEngine::post_get(NativeMailbox* box, NativeActor* self) {
  if (!box->puts.empty()) {
    Comm* comm = box->puts.head;
    box->puts.remove(comm);
    comm->box = nullptr;
    ++comm->refs;  // the caller's; the mailbox's passes to it below
    if (comm->state == CommState::posted) {
      comm->dst = self->host;
      start_comm(comm);
    }
    release(comm);
    return comm;
  }
  Comm* comm = new_comm();
  comm->refs = 2;
  comm->dst = self->host;
  comm->box = box;
  box->gets.push(comm);
  return comm;
}

bool NativeEngine::wait_comm(Comm* comm, Side side, double timeout_s) {
  const auto done = [comm] { return comm->state == CommState::ended || comm->state == CommState::cancelled; };
  if (done()) return true;
  NativeActor* self = enter();
  if (self == nullptr) return false;
  if (!(timeout_s > 0)) return false;
  comm->waiters[side] = self;
  self->wait_comm = comm;
  self->wait_side = side;
  if (timeout_s < kNever) push_event(now_ + timeout_s, EventKind::timer, self->id, self->token);
  try {
    block(self);
  } catch (...) {
    if (comm->waiters[side] == self) comm->waiters[side] = nullptr;
    self->wait_comm = nullptr;
    throw;
  }
  if (comm->waiters[side] == self) comm->waiters[side] = nullptr;  // timed out
  self->wait_comm = nullptr;
  return done();
}

void NativeEngine::wait_on(NativeWaitPoint* point) {
  NativeActor* self = enter();
  if (self == nullptr) return;
  point->waiter = self;
  self->wait_point = point;
  block(self);
}

TransferPtr NativeEngine::send_async(EngineHost from, EngineHost to, std::uint64_t bytes) {
  Comm* comm = new_comm();
  comm->refs = 1;  // the handle's
  comm->src = from;
  comm->dst = to;
  comm->bytes = bytes;
  start_comm(comm);
  return TransferPtr(new NativeTransfer(this, comm, kPutSide));
}

Mailbox* NativeEngine::mailbox(const std::string& name) {
  auto [it, added] = mailboxes_.try_emplace(name);
  if (added) it->second = std::make_unique<NativeMailbox>(this);
  return it->second.get();
}

// ---- mailboxes, wait points, handles ----

// Holds a caller's reference on a comm for the length of a blocking call.
struct CommHold {
  NativeEngine* engine;
  Comm* comm;
  ~CommHold() { engine->release(comm); }
};

void NativeMailbox::set_receiver(ActorHandle actor) { receiver = NativeEngine::actor_of(actor); }

void NativeMailbox::put(void* payload, std::uint64_t bytes) {
  if (engine_->enter() == nullptr) return;
  const CommHold hold{engine_, engine_->post_put(this, payload, bytes, true)};
  engine_->wait_comm(hold.comm, kPutSide, kNever);
}

void* NativeMailbox::get() {
  NativeActor* self = engine_->enter();
  if (self == nullptr) return nullptr;
  const CommHold hold{engine_, engine_->post_get(this, self)};
  engine_->wait_comm(hold.comm, kGetSide, kNever);
  return hold.comm->payload;
}

TransferPtr NativeMailbox::put_async(void* payload, std::uint64_t bytes) {
  return TransferPtr(new NativeTransfer(engine_, engine_->post_put(this, payload, bytes, true), kPutSide));
}

TransferPtr NativeMailbox::get_async() {
  // Not a blocking call: even an actor unwinding after its kill gets a handle (whose
  // wait then returns at once).
  return TransferPtr(new NativeTransfer(engine_, engine_->post_get(this, engine_->running_actor()), kGetSide));
}

void NativeMailbox::put_detached(void* payload, std::uint64_t bytes) { engine_->post_put(this, payload, bytes, false); }

NativeWaitPoint::~NativeWaitPoint() {
  if (waiter != nullptr) waiter->wait_point = nullptr;
}

void NativeWaitPoint::wait() { engine_->wait_on(this); }

void NativeWaitPoint::notify_all() {
  if (waiter == nullptr) return;
  NativeActor* actor = waiter;
  waiter = nullptr;
  actor->wait_point = nullptr;
  engine_->wake(actor);
}

NativeTransfer::~NativeTransfer() { engine_->release(comm_); }
void NativeTransfer::wait() { engine_->wait_comm(comm_, side_, kNever); }
bool NativeTransfer::wait_for(double timeout_s) { return engine_->wait_comm(comm_, side_, timeout_s); }
void NativeTransfer::cancel() { engine_->cancel_comm(comm_); }

}  // namespace

std::unique_ptr<EventEngine> make_native_engine(const HostNetwork& network) {
  return std::make_unique<NativeEngine>(network);
}

std::unique_ptr<EventEngine> make_native_engine() { return make_native_engine(simgrid_network()); }

}  // namespace lcperf::sim
