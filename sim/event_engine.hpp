#pragma once
// The discrete-event engine under SimWorld: actors written as straight-line code that
// block, timed sleeps, executions that share a host's speed, and transfers through
// mailboxes over the platform's links, shared max-min fairly. Internal to sim/.
//
// Two implementations:
// - SimGrid's (simgrid_engine.hpp): the reference; every call is one S4U call.
// - lcperf's native engine (native_engine.hpp): the same semantics (CM02 flow model:
//   a transfer pays its route's latency, then shares every link of its route with
//   weighted max-min fairness, weight 1 / route latency; executions share a host's
//   speed equally) on its own event queue and fibers, for large runs where SimGrid's
//   per-activity cost dominates.
//
// Hosts are opaque handles: SimGrid's hosts for SimGrid's engine (simgrid_host.hpp
// converts), and for the native engine whatever platform its HostNetwork
// (host_network.hpp) describes: SimGrid's, or lcperf's own (native_platform.hpp).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace lcperf::sim {

// A host of the platform; never defined, only pointed to (SimGrid: its s4u::Host;
// lcperf's platform: its own host record).
struct EngineHostTag;
using EngineHost = EngineHostTag*;

// An actor as the engine knows it (SimGrid: its ActorImpl; native: its fiber).
struct EngineActor;
using ActorHandle = EngineActor*;

// An asynchronous transfer (a put or a get on a mailbox, or a direct host-to-host send).
class Transfer {
 public:
  virtual ~Transfer() = default;
  virtual void wait() = 0;
  // Waits at most timeout_s; false when it timed out (the transfer stays posted).
  virtual bool wait_for(double timeout_s) = 0;
  virtual void cancel() = 0;
  // For a get, once it has ended: what the sender put.
  virtual void* payload() const = 0;
};
using TransferPtr = std::unique_ptr<Transfer>;

// A rendezvous point for transfers. A put and a get match in FIFO order; the transfer
// starts when both are posted, unless the mailbox has a permanent receiver, when a put
// starts at once towards the receiver's host and a later get takes it (ended or not).
class Mailbox {
 public:
  virtual ~Mailbox() = default;
  virtual void set_receiver(ActorHandle receiver) = 0;
  // True when a put waits here (posted, or started towards the permanent receiver)
  // with no get to take it yet.
  virtual bool listen() = 0;
  virtual void put(void* payload, std::uint64_t bytes) = 0;
  virtual void* get() = 0;
  virtual TransferPtr put_async(void* payload, std::uint64_t bytes) = 0;
  virtual TransferPtr get_async() = 0;
  // A put nobody waits for: the receiver owns the payload once it gets it.
  virtual void put_detached(void* payload, std::uint64_t bytes) = 0;
};

// What one actor blocks on until another notifies it (SimGrid: a mutex the waiting
// actor keeps locked and a condition variable). Only one actor ever waits on it.
class WaitPoint {
 public:
  virtual ~WaitPoint() = default;
  // Takes the lock if the calling actor does not hold it yet (SimGrid: one simcall).
  virtual void hold() = 0;
  virtual void wait() = 0;  // hold()s first
  virtual void notify_all() = 0;
  // Forgets the lock without unlocking: the holder is being torn down.
  virtual void abandon() = 0;
};

class EventEngine {
 public:
  virtual ~EventEngine() = default;
  virtual double clock() const = 0;
  // A new actor on `host`; it first runs when the calling actor next blocks (or when
  // run() starts, if called before).
  virtual ActorHandle spawn(const std::string& name, EngineHost host, std::function<void()> body) = 0;
  // A daemon ends when every non-daemon actor has ended.
  virtual void daemonize(ActorHandle actor) = 0;
  // Ends every other actor; the calling one goes on until it calls exit_actor().
  virtual void kill_all() = 0;
  [[noreturn]] virtual void exit_actor() = 0;
  virtual void sleep_for(double duration_s) = 0;
  virtual void sleep_until(double time_s) = 0;
  // An execution of `flops` on the calling actor's host (speed shared equally between
  // the host's executions).
  virtual void execute(double flops) = 0;
  virtual Mailbox* mailbox(const std::string& name) = 0;
  // A transfer from one host to another that needs no receiver.
  virtual TransferPtr send_async(EngineHost from, EngineHost to, std::uint64_t bytes) = 0;
  virtual std::unique_ptr<WaitPoint> new_wait_point() = 0;
  // Runs until every non-daemon actor has ended or is blocked forever.
  virtual void run() = 0;
  // Unwinds the actors still blocked after run() (a deadlock, a stopped run) as killed
  // ones, so that their frames, which point into the caller's state (SimWorld), are
  // gone before that state is. SimGrid keeps such actors until its engine is destroyed
  // and never resumes them: nothing to do there.
  virtual void unwind_blocked() = 0;
};

}  // namespace lcperf::sim
