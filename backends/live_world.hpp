#pragma once
// The host side of one live run, shared by the CPU and CUDA backends: per-(rank, stream)
// in-order queues each served by a thread of its own, completions, messages between rank
// programs, the decision log, memory accounting, and the watchdog that turns rank
// programs waiting on each other forever into a LiveDeadlockError. What a stream does
// with its work (run it on the CPU, put it on a CUDA stream) is the backend's: CpuWorld
// and CudaWorld derive from LiveWorld and implement execute(). The backends match p2p
// with P2pChannels and collectives with CollectiveRendezvous, under the same lock.
//
// Concurrency: one mutex guards all bookkeeping (the backend's too) and one condition
// variable announces every change; the work itself (kernels, copies, device calls) runs
// outside the lock. A run has a few dozen threads at most, so a single broadcast is
// cheap enough and keeps the waiting logic in one place.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "backends/live_input.hpp"
#include "backends/live_work.hpp"
#include "core/memory_tracker.hpp"

namespace lcperf::backends {

class LiveWorld {
 public:
  LiveWorld(const LiveWorld&) = delete;
  LiveWorld& operator=(const LiveWorld&) = delete;

  const LiveInput& input() const { return input_; }
  int ranks() const { return input_.ranks; }
  double now_s() const;
  std::chrono::steady_clock::time_point start() const { return start_; }

  // Called on a rank's program thread once, before its program runs.
  virtual void enter_rank(int /*rank*/) {}

  // Queues the work on (rank, stream), starting the stream's thread on first use;
  // returns the work's completion id.
  std::uint64_t enqueue(int rank, int stream, Work work);
  // Blocks until the work is done; throws LiveDeadlockError / runtime_error when the
  // run aborts.
  void wait(int rank, std::uint64_t completion);

  void post_message(int from, int to, const core::Message& message);
  std::optional<core::Message> receive_message(int rank, double timeout_s);
  void log_decision(int rank, std::string_view kind, std::string_view detail);

  void rank_finished(int rank);
  void rank_failed(int rank, const std::string& what);

 protected:
  // One (rank, stream): its queue and the thread that serves it. A backend that keeps
  // more per stream derives from it (new_stream).
  struct Stream {
    virtual ~Stream() = default;
    int rank = 0;
    int id = 0;
    std::deque<Work> queue;
    bool executing = false;  // running or enqueuing work (not waiting for a peer)
    std::string current;     // what it is doing, for deadlock reports
    std::thread thread;
  };
  using Lock = std::unique_lock<std::mutex>;

  // `run` names the run in reports and errors ("live CPU run").
  LiveWorld(const LiveInput& input, std::string run);
  // Stream threads call the backend's execute(): a backend's destructor calls
  // tear_down() before anything of its own goes.
  virtual ~LiveWorld();

  // --- The backend's part.
  // A new stream's state (under the lock).
  virtual std::unique_ptr<Stream> new_stream() { return std::make_unique<Stream>(); }
  // On the stream's thread before its first work, without the lock; throwing aborts
  // the run naming the stream.
  virtual void open_stream(Stream& /*stream*/) {}
  // Does the work; called and returns with the lock held, which it releases for the
  // work itself. Unless the run aborted meanwhile, ends with complete(work.completion).
  // Throwing aborts the run naming the stream.
  virtual void execute(Stream& stream, Work& work, Lock& lock) = 0;
  // What else wait() waits for once the host side completed the work (CUDA: the
  // device). Without the lock.
  virtual void await_device(std::uint64_t /*completion*/) {}

  // --- For the backend.
  // Starts the clock and the watchdog; the backend calls it once its devices are ready.
  void begin_run();
  // Under the lock: announces a change of the bookkeeping to every waiter.
  void changed();
  bool aborted() const { return aborted_; }  // under the lock
  void complete(std::uint64_t completion);   // under the lock
  // Waits (releasing the lock) until pred holds; false when the run aborted meanwhile.
  template <typename Pred>
  bool wait_for_peer(Stream& stream, Lock& lock, Pred pred) {
    stream.executing = false;
    changed_.wait(lock, [&] { return pred() || aborted_; });
    stream.executing = true;
    return !aborted_;
  }
  // The rank's streams by id (under the lock, or after the threads stopped).
  const std::map<int, std::unique_ptr<Stream>>& streams_of(int rank) const;
  // Lets queued work finish, then stops the stream threads and the watchdog.
  void stop_threads();
  // For destructors: a world torn down before its run finished releases every waiter
  // (the run counts as aborted), then its threads stop.
  void tear_down();
  [[noreturn]] void throw_abort() const;
  // The records every live run writes, from the backend's timeline (after the threads
  // stopped): placement, decisions, memory, end time.
  core::RunRecords take_records(std::vector<core::TimelineRecord> timeline);

  mutable std::mutex mu_;       // guards the bookkeeping, the backend's included
  core::MemoryTracker memory_;  // per rank and tag, against memory_capacity_bytes

 private:
  struct RankState {
    std::map<int, std::unique_ptr<Stream>> streams;
    bool finished = false;
    std::string blocked_on;  // non-empty while the rank program waits
    std::deque<core::Message> inbox;
    std::map<std::string, int> collective_calls;  // per group: calls posted so far
  };

  void serve(Stream& stream);  // a stream's thread
  void fail(const Stream& stream, const std::string& what);
  void abort(std::string error, bool deadlock);
  // The deadlock watchdog (live_watchdog.cpp).
  void watchdog_loop();
  bool everyone_blocked() const;
  std::string deadlock_report() const;

  const LiveInput& input_;
  const std::string run_;
  std::chrono::steady_clock::time_point start_;
  std::condition_variable changed_;
  std::uint64_t version_ = 0;
  bool aborted_ = false;
  bool deadlocked_ = false;
  bool stopping_ = false;
  std::string error_;
  std::vector<RankState> rank_states_;
  std::vector<char> done_;  // by completion id; [0] = the "already complete" id
  std::vector<core::DecisionRecord> decisions_;
  std::thread watchdog_;
};

}  // namespace lcperf::backends
