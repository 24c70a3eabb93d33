#pragma once
// Shared state of one live CPU run: buffers, per-rank stream queues and their worker
// threads, p2p channels, collective rendezvous, messages, records and the deadlock
// watchdog. Internal to backends/cpu (cpu_runtime.hpp is the public face).
//
// Concurrency: one mutex guards all bookkeeping and one condition variable announces
// every change; the work itself (kernels, copies, reductions) runs outside the lock.
// A run has a few dozen threads at most, so a single broadcast is cheap enough and
// keeps the waiting logic in one place.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "backends/cpu/cpu_runtime.hpp"
#include "core/memory_tracker.hpp"

namespace lcperf::backends::cpu {

struct Work {
  enum class Kind { kernel, send, recv, collective };
  Kind kind = Kind::kernel;
  std::uint64_t completion = 0;
  core::KernelOp op;  // kernels
  std::string name;
  std::string category;
  int micro_batch = -1;
  std::uint64_t tensor = 0;  // p2p and collectives: the buffer
  std::int64_t bytes = 0;
  core::DType dtype = core::DType::fp8;
  int peer = -1;
  int tag = 0;
  core::CollectiveKind collective = core::CollectiveKind::all_reduce;
  std::shared_ptr<const core::CommGroup> group;
};

std::string describe(const Work& work);

class CpuWorld {
 public:
  explicit CpuWorld(const LiveInput& input);
  ~CpuWorld();
  CpuWorld(const CpuWorld&) = delete;
  CpuWorld& operator=(const CpuWorld&) = delete;

  const LiveInput& input() const { return input_; }
  int ranks() const { return input_.ranks; }
  double now_s() const;
  std::chrono::steady_clock::time_point start() const { return start_; }

  // Memory.
  core::Tensor allocate(int rank, const core::TensorDesc& desc);
  void release(int rank, core::Tensor& tensor);
  std::byte* buffer(std::uint64_t tensor);  // under the lock
  std::span<std::byte> buffer_span(const core::Tensor& tensor);  // takes the lock

  // Streams.
  std::uint64_t enqueue(int rank, int stream, Work work);
  // Blocks until done; throws LiveDeadlockError / runtime_error when the run aborts.
  void wait(int rank, std::uint64_t completion);

  // Messages and decisions.
  void post_message(int from, int to, const core::Message& message);
  std::optional<core::Message> receive_message(int rank, double timeout_s);
  void log_decision(int rank, std::string_view kind, std::string_view detail);

  // Rank program lifecycle.
  void rank_finished(int rank);
  void rank_failed(int rank, const std::string& what);

  // Stops workers and the watchdog; then throws if the run failed, else returns records.
  LiveResult finish();

 private:
  struct Stream {
    int rank = 0;
    int id = 0;
    std::deque<Work> queue;
    bool executing = false;  // running a kernel or a copy (not waiting for a peer)
    std::string current;     // what it is doing, for deadlock reports
    std::thread worker;
  };
  struct RankState {
    std::map<int, std::unique_ptr<Stream>> streams;
    bool finished = false;
    std::string blocked_on;  // non-empty while the rank program waits
    std::deque<core::Message> inbox;
    std::map<std::string, int> collective_calls;  // per group key: calls posted so far
  };
  struct Rendezvous {
    int members = 0;
    int arrived = 0;
    int computed = 0;
    int left = 0;
    std::vector<std::byte*> buffers;
    std::vector<std::byte> staging;
  };
  using ChannelKey = std::tuple<int, int, int>;  // source, destination, tag

  void worker_loop(Stream& stream);
  void run(Stream& stream, Work& work, std::unique_lock<std::mutex>& lock);
  void run_kernel(Stream& stream, Work& work, std::unique_lock<std::mutex>& lock);
  void run_send(Stream& stream, Work& work, std::unique_lock<std::mutex>& lock);
  void run_recv(Stream& stream, Work& work, std::unique_lock<std::mutex>& lock);
  void run_collective(Stream& stream, Work& work, std::unique_lock<std::mutex>& lock);
  // Waits (releasing the lock) until pred holds; returns false when the run aborted.
  template <typename Pred>
  bool wait_for_peer(Stream& stream, std::unique_lock<std::mutex>& lock, Pred pred);
  void changed() {
    ++version_;
    changed_.notify_all();
  }
  void watchdog_loop();
  bool everyone_blocked() const;
  std::string deadlock_report() const;
  void abort(std::string error, bool deadlock);
  [[noreturn]] void throw_abort() const;

  const LiveInput& input_;
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::uint64_t version_ = 0;
  bool aborted_ = false;
  bool deadlocked_ = false;
  bool stopping_ = false;
  std::string error_;

  std::vector<RankState> rank_states_;
  std::vector<char> done_;  // by completion id; [0] = the "already complete" id
  std::uint64_t next_tensor_ = 0;
  std::unordered_map<std::uint64_t, std::unique_ptr<std::byte[]>> buffers_;
  std::map<ChannelKey, std::deque<std::unique_ptr<std::byte[]>>> arrived_;
  std::map<std::string, Rendezvous> rendezvous_;
  core::MemoryTracker memory_;
  core::RunRecords records_;
  std::vector<PartTiming> parts_;
  double kernel_wall_s_ = 0;
  double kernel_cpu_s_ = 0;
  std::thread watchdog_;
};

}  // namespace lcperf::backends::cpu
