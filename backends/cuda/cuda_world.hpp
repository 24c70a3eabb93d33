#pragma once
// Shared state of one live CUDA run (one process): device buffers and their accounting,
// per-(rank, stream) CUDA streams each fed by a host thread, p2p channels, collective
// rendezvous, messages, the events that become records, and the deadlock watchdog.
// Internal to backends/cuda (cuda_runtime.hpp is the public face). CUDA types appear
// only as the opaque CUstream_st / CUevent_st pointers.
//
// Why feeder threads: a CUDA stream can wait only on an event that is already
// recorded, but a recv may be posted before its send, and a collective before its last
// member. The feeder of a stream enqueues its work in order and, where the work needs a
// peer's event, waits on the host until the peer has posted it; the rank program never
// blocks except in wait(). So every cudaStreamWaitEvent names a recorded event and the
// device side cannot deadlock; a deadlock of the programs is found on the host, as in
// the CPU backend.
//
// Concurrency: one mutex guards the bookkeeping, one condition variable announces every
// change; CUDA and NCCL calls run outside it (NCCL calls under nccl_mu_, one at a time).
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "backends/cuda/cuda_runtime.hpp"
#include "backends/live_input.hpp"
#include "core/memory_tracker.hpp"

struct CUstream_st;
struct CUevent_st;

namespace lcperf::backends::cuda {

class KernelRunner;
class NcclComms;

struct CudaWork {
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
  std::string rendezvous;  // collectives: group key and call number
};

std::string describe(const CudaWork& work);

struct WorldConfig {
  std::vector<int> device_of_rank;  // resolved: one entry per rank
  bool use_nccl = false;
  bool run_kernels = true;
};

class CudaWorld {
 public:
  CudaWorld(const LiveInput& input, WorldConfig config);
  ~CudaWorld();
  CudaWorld(const CudaWorld&) = delete;
  CudaWorld& operator=(const CudaWorld&) = delete;

  int ranks() const { return input_.ranks; }
  int device_of(int rank) const { return config_.device_of_rank[static_cast<std::size_t>(rank)]; }
  double now_s() const;
  std::chrono::steady_clock::time_point start() const { return start_; }

  // Called on a rank's program thread once, before anything else: device and the
  // rank's allocation streams.
  void enter_rank(int rank);

  // Memory (rank program thread).
  core::Tensor allocate(int rank, const core::TensorDesc& desc);
  void release(int rank, core::Tensor& tensor);
  std::vector<std::byte> read(const core::Tensor& tensor);
  void write(const core::Tensor& tensor, const std::vector<std::byte>& bytes);

  // Streams.
  std::uint64_t enqueue(int rank, int stream, CudaWork work);
  // Blocks until the work is on the device and done there; throws LiveDeadlockError /
  // runtime_error when the run aborts.
  void wait(int rank, std::uint64_t completion);

  // Messages and decisions.
  void post_message(int from, int to, const core::Message& message);
  std::optional<core::Message> receive_message(int rank, double timeout_s);
  void log_decision(int rank, std::string_view kind, std::string_view detail);

  // Rank program lifecycle.
  void rank_finished(int rank);
  void rank_failed(int rank, const std::string& what);

  // Stops feeders and the watchdog, drains the devices, then throws if the run failed,
  // else returns the records.
  LiveResult finish();

 private:
  struct Stream {
    int rank = 0;
    int id = 0;
    int device = 0;
    CUstream_st* cuda = nullptr;  // created by the feeder on the rank's device
    std::unique_ptr<KernelRunner> runner;
    std::deque<CudaWork> queue;
    bool executing = false;  // enqueuing device work (not waiting for a peer)
    std::string current;     // what it is doing, for deadlock reports
    CUevent_st* last_end = nullptr;  // end event of the last work put on the device
    std::vector<CUevent_st*> events;  // every event this feeder created (destroyed at the end)
    std::thread feeder;
  };
  struct RankState {
    std::map<int, std::unique_ptr<Stream>> streams;
    bool finished = false;
    std::string blocked_on;  // non-empty while the rank program waits on the host
    std::deque<core::Message> inbox;
    std::map<std::string, int> collective_calls;  // per group key: calls posted so far
    CUstream_st* alloc_stream = nullptr;  // cudaMallocAsync, synchronised at once
    CUstream_st* free_stream = nullptr;   // cudaFreeAsync after the rank's last work
  };
  struct DeviceTensor {
    void* data = nullptr;  // nullptr: the device had no memory left (recorded as OOM)
    int device = 0;
    std::int64_t bytes = 0;
  };
  struct CompletionSlot {
    bool enqueued = false;
    CUevent_st* end = nullptr;  // nullptr once enqueued: nothing to wait for
  };
  struct Staged {  // a sent payload, waiting for its recv
    void* data = nullptr;
    int device = 0;
    std::int64_t bytes = 0;
    CUevent_st* ready = nullptr;
  };
  struct Rendezvous {
    int members = 0;
    int arrived = 0;
    bool launched = false;
    int left = 0;
    std::vector<void*> buffers;
    std::vector<CUstream_st*> streams;
    std::vector<int> devices;
    std::vector<CUevent_st*> arrivals;
    CUevent_st* done = nullptr;  // device_copies: the work on the last member's stream
    int worker = -1;             // device_copies: that member
  };
  struct PendingRecord {
    core::TimelineRecord record;
    int device = 0;
    CUevent_st* start = nullptr;
    CUevent_st* end = nullptr;
    std::vector<CUevent_st*> part_ends;  // kernels: one per part
    std::vector<core::OpPart> parts;
  };
  using ChannelKey = std::tuple<int, int, int>;  // source, destination, tag

  void feeder_loop(Stream& stream);
  void run(Stream& stream, CudaWork& work, std::unique_lock<std::mutex>& lock);
  void run_kernel(Stream& stream, CudaWork& work, PendingRecord& pending, std::unique_lock<std::mutex>& lock);
  void run_send(Stream& stream, CudaWork& work, PendingRecord& pending, std::unique_lock<std::mutex>& lock);
  void run_recv(Stream& stream, CudaWork& work, PendingRecord& pending, std::unique_lock<std::mutex>& lock);
  void run_collective(Stream& stream, CudaWork& work, PendingRecord& pending, std::unique_lock<std::mutex>& lock);
  // The device work of a collective over device copies, on the last member's stream.
  void copy_collective(CUstream_st* stream, const CudaWork& work, const Rendezvous& rv);
  CUevent_st* record_event(Stream& stream, CUstream_st* on);
  CUstream_st* inbound_stream(int rank, int from);  // under nccl_mu_
  void* data_of(std::uint64_t tensor, const char* what);  // under the lock
  // Waits (releasing the lock) until pred holds; false when the run aborted meanwhile.
  template <typename Pred>
  bool wait_for_peer(Stream& stream, std::unique_lock<std::mutex>& lock, Pred pred) {
    stream.executing = false;
    changed_.wait(lock, [&] { return pred() || aborted_; });
    stream.executing = true;
    return !aborted_;
  }
  void changed() {
    ++version_;
    changed_.notify_all();
  }
  void watchdog_loop();
  bool everyone_blocked() const;
  std::string deadlock_report() const;
  void abort(std::string error, bool deadlock);
  [[noreturn]] void throw_abort() const;
  void stop_threads();
  void release_device_resources();

  const LiveInput& input_;
  WorldConfig config_;
  std::vector<int> devices_;                 // distinct devices in use
  std::map<int, CUevent_st*> t0_;            // per device: the common start
  std::map<int, CUstream_st*> reclaim_;      // per device: frees of staging buffers
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::uint64_t version_ = 0;
  bool aborted_ = false;
  bool deadlocked_ = false;
  bool stopping_ = false;
  bool released_ = false;
  std::string error_;

  std::vector<RankState> rank_states_;
  std::vector<CompletionSlot> completions_;  // by id; [0] = "already complete"
  std::uint64_t next_tensor_ = 0;
  std::unordered_map<std::uint64_t, DeviceTensor> tensors_;
  std::map<ChannelKey, std::deque<Staged>> arrived_;
  std::map<std::string, Rendezvous> rendezvous_;
  core::MemoryTracker memory_;
  core::OutOfMemory device_oom_;  // the device itself ran out (before the accounting did)
  std::vector<core::DecisionRecord> decisions_;
  std::vector<PendingRecord> pending_;
  std::thread watchdog_;

  std::mutex nccl_mu_;
  std::unique_ptr<NcclComms> nccl_;
  std::map<std::pair<int, int>, CUstream_st*> inbound_;  // (rank, from) -> stream on rank's device
};

}  // namespace lcperf::backends::cuda
