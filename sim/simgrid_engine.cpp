#include "sim/simgrid_engine.hpp"

#include <mutex>
#include <unordered_map>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/simgrid_host.hpp"

namespace lcperf::sim {

namespace sg = simgrid::s4u;

namespace {

ActorHandle handle_of(sg::Actor* actor) { return reinterpret_cast<ActorHandle>(actor); }
sg::Actor* actor_of(ActorHandle handle) { return reinterpret_cast<sg::Actor*>(handle); }

class SgTransfer final : public Transfer {
 public:
  SgTransfer() = default;
  explicit SgTransfer(sg::CommPtr comm) : comm_(std::move(comm)) {}
  void wait() override { comm_->wait(); }
  // wait_any_for, unlike Comm::wait_for, leaves the transfer posted when it times out.
  bool wait_for(double timeout_s) override { return sg::Comm::wait_any_for({comm_}, timeout_s) >= 0; }
  void cancel() override { comm_->cancel(); }
  void* payload() const override { return data_; }

  sg::CommPtr comm_;
  void* data_ = nullptr;
};

class SgMailbox final : public Mailbox {
 public:
  explicit SgMailbox(sg::Mailbox* box) : box_(box) {}
  void set_receiver(ActorHandle receiver) override { box_->set_receiver(sg::ActorPtr(actor_of(receiver))); }
  bool listen() override { return box_->listen(); }
  void put(void* payload, std::uint64_t bytes) override { box_->put(payload, bytes); }
  void* get() override { return box_->get<void>(); }
  TransferPtr put_async(void* payload, std::uint64_t bytes) override {
    return std::make_unique<SgTransfer>(box_->put_async(payload, bytes));
  }
  TransferPtr get_async() override {
    auto transfer = std::make_unique<SgTransfer>();
    transfer->comm_ = box_->get_async<void>(&transfer->data_);
    return transfer;
  }
  void put_detached(void* payload, std::uint64_t bytes) override { box_->put_init(payload, bytes)->detach(); }

 private:
  sg::Mailbox* box_;
};

class SgWaitPoint final : public WaitPoint {
 public:
  SgWaitPoint() : mutex_(sg::Mutex::create()), condition_(sg::ConditionVariable::create()) {}
  void hold() override {
    if (!lock_.owns_lock()) lock_ = std::unique_lock(*mutex_);
  }
  void wait() override {
    hold();
    condition_->wait(lock_);
  }
  void notify_all() override { condition_->notify_all(); }
  void abandon() override { lock_.release(); }
  // Never unlocked: nobody else takes it, and no simcall may run while SimGrid unwinds
  // a killed actor.
  ~SgWaitPoint() override { lock_.release(); }

 private:
  sg::MutexPtr mutex_;
  sg::ConditionVariablePtr condition_;
  std::unique_lock<sg::Mutex> lock_;
};

class SimGridEngine final : public EventEngine {
 public:
  explicit SimGridEngine(sg::Engine& engine) : engine_(engine) {}
  double clock() const override { return sg::Engine::get_clock(); }
  ActorHandle spawn(const std::string& name, EngineHost host, std::function<void()> body) override {
    sg::ActorPtr actor = sg::Actor::create(name, simgrid_host(host), std::move(body));
    actors_.push_back(actor);
    return handle_of(actor.get());
  }
  void daemonize(ActorHandle actor) override { actor_of(actor)->daemonize(); }
  void kill_all() override { sg::Actor::kill_all(); }
  [[noreturn]] void exit_actor() override {
    sg::this_actor::exit();
    __builtin_unreachable();
  }
  void sleep_for(double duration_s) override { sg::this_actor::sleep_for(duration_s); }
  void sleep_until(double time_s) override { sg::this_actor::sleep_until(time_s); }
  void execute(double flops) override { sg::this_actor::execute(flops); }
  Mailbox* mailbox(const std::string& name) override {
    sg::Mailbox* box = sg::Mailbox::by_name(name);
    auto& wrapper = mailboxes_[box];
    if (!wrapper) wrapper = std::make_unique<SgMailbox>(box);
    return wrapper.get();
  }
  TransferPtr send_async(EngineHost from, EngineHost to, std::uint64_t bytes) override {
    return std::make_unique<SgTransfer>(sg::Comm::sendto_async(simgrid_host(from), simgrid_host(to), bytes));
  }
  std::unique_ptr<WaitPoint> new_wait_point() override { return std::make_unique<SgWaitPoint>(); }
  void run() override { engine_.run(); }
  void unwind_blocked() override {}

 private:
  sg::Engine& engine_;
  std::vector<sg::ActorPtr> actors_;  // kept alive: mailboxes name them as receivers
  std::unordered_map<sg::Mailbox*, std::unique_ptr<SgMailbox>> mailboxes_;
};

}  // namespace

std::unique_ptr<EventEngine> make_simgrid_engine(sg::Engine& engine) { return std::make_unique<SimGridEngine>(engine); }

}  // namespace lcperf::sim
