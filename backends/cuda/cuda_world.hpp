#pragma once
// One live CUDA run (one process): LiveWorld's queues, completions, messages and
// watchdog (backends/live_world.hpp), with device buffers and their accounting, a CUDA
// stream per (rank, stream) fed by that stream's host thread, p2p through staged device
// copies or NCCL, collectives through device copies or NCCL, and the events that become
// records. Internal to backends/cuda (cuda_runtime.hpp is the public face). CUDA types
// appear only as the opaque CUstream_st / CUevent_st pointers.
//
// Why feeder threads: a CUDA stream can wait only on an event that is already
// recorded, but a recv may be posted before its send, and a collective before its last
// member. The feeder of a stream enqueues its work in order and, where the work needs a
// peer's event, waits on the host until the peer has posted it; the rank program never
// blocks except in wait(). So every cudaStreamWaitEvent names a recorded event and the
// device side cannot deadlock; a deadlock of the programs is found on the host, by
// LiveWorld's watchdog.
//
// Concurrency: LiveWorld's lock guards the bookkeeping; CUDA and NCCL calls run outside
// it (NCCL calls under nccl_mu_, one at a time).
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "backends/collective_rendezvous.hpp"
#include "backends/cuda/cuda_runtime.hpp"
#include "backends/live_world.hpp"
#include "backends/p2p_channels.hpp"

struct CUstream_st;
struct CUevent_st;

namespace lcperf::backends::cuda {

class KernelRunner;
class NcclComms;

struct WorldConfig {
  std::vector<int> device_of_rank;  // resolved: one entry per rank
  bool use_nccl = false;
  bool run_kernels = true;
};

class CudaWorld final : public LiveWorld {
 public:
  CudaWorld(const LiveInput& input, WorldConfig config);
  ~CudaWorld() override;

  int device_of(int rank) const { return config_.device_of_rank[static_cast<std::size_t>(rank)]; }

  // On a rank's program thread once, before anything else: device and the rank's
  // allocation streams.
  void enter_rank(int rank) override;

  // Memory (rank program thread).
  core::Tensor allocate(int rank, const core::TensorDesc& desc);
  void release(int rank, core::Tensor& tensor);
  std::vector<std::byte> read(const core::Tensor& tensor);
  void write(const core::Tensor& tensor, const std::vector<std::byte>& bytes);

  // Stops feeders and the watchdog, drains the devices, then throws if the run failed,
  // else returns the records.
  LiveResult finish();

 private:
  struct CudaStream : Stream {
    int device = 0;
    CUstream_st* cuda = nullptr;  // created by the feeder on the rank's device
    std::unique_ptr<KernelRunner> runner;
    CUevent_st* last_end = nullptr;   // end event of the last work put on the device
    std::vector<CUevent_st*> events;  // every event this feeder created (destroyed at the end)
    ~CudaStream() override;
  };
  struct RankStreams {  // the rank program's own streams
    CUstream_st* alloc = nullptr;  // cudaMallocAsync, synchronised at once
    CUstream_st* free = nullptr;   // cudaFreeAsync after the rank's last work
  };
  struct DeviceTensor {
    void* data = nullptr;  // nullptr: the device had no memory left (recorded as OOM)
    int device = 0;
    std::int64_t bytes = 0;
  };
  struct Staged {  // a sent payload, waiting for its recv
    void* data = nullptr;
    int device = 0;
    std::int64_t bytes = 0;
    CUevent_st* ready = nullptr;
  };
  struct CollectiveMember {
    void* buffer = nullptr;
    CUstream_st* stream = nullptr;
    CUevent_st* arrival = nullptr;  // recorded on its stream when it reached the collective
  };
  struct CollectiveLaunch {
    bool launched = false;       // the last member has issued the collective
    CUevent_st* done = nullptr;  // device_copies: the work on the last member's stream
    int worker = -1;             // device_copies: that member
  };
  using Rendezvous = CollectiveRendezvous<CollectiveMember, CollectiveLaunch>;
  struct PendingRecord {
    core::TimelineRecord record;
    int device = 0;
    CUevent_st* start = nullptr;
    CUevent_st* end = nullptr;
    std::vector<CUevent_st*> part_ends;  // kernels: one per part
    std::vector<core::OpPart> parts;
  };

  static CudaStream& cuda_stream(Stream& stream) { return static_cast<CudaStream&>(stream); }
  std::unique_ptr<Stream> new_stream() override;
  void open_stream(Stream& stream) override;
  void execute(Stream& stream, Work& work, Lock& lock) override;
  void await_device(std::uint64_t completion) override;
  void run_kernel(CudaStream& stream, Work& work, PendingRecord& pending, Lock& lock);
  void run_send(CudaStream& stream, Work& work, PendingRecord& pending, Lock& lock);
  void run_recv(CudaStream& stream, Work& work, PendingRecord& pending, Lock& lock);
  void run_collective(CudaStream& stream, Work& work, PendingRecord& pending, Lock& lock);
  // The device work of a collective over device copies, on the last member's stream.
  void copy_collective(CUstream_st* stream, const Work& work, const Rendezvous::Meeting& meeting);
  CUevent_st* record_event(CudaStream& stream, CUstream_st* on);
  CUstream_st* inbound_stream(int rank, int from);  // under nccl_mu_
  void* data_of(std::uint64_t tensor, const char* what);  // under the lock
  void release_device_resources();

  WorldConfig config_;
  std::vector<int> devices_;             // distinct devices in use
  std::map<int, CUevent_st*> t0_;        // per device: the common start
  std::map<int, CUstream_st*> reclaim_;  // per device: frees of staging buffers
  bool released_ = false;

  std::vector<RankStreams> rank_streams_;
  std::vector<CUevent_st*> ends_;  // by completion id: its end event on the device
  std::uint64_t next_tensor_ = 0;
  std::unordered_map<std::uint64_t, DeviceTensor> tensors_;
  P2pChannels<Staged> channels_;
  Rendezvous rendezvous_;
  core::OutOfMemory device_oom_;  // the device itself ran out (before the accounting did)
  std::vector<PendingRecord> pending_;

  std::mutex nccl_mu_;
  std::unique_ptr<NcclComms> nccl_;
  std::map<std::pair<int, int>, CUstream_st*> inbound_;  // (rank, from) -> stream on rank's device
};

}  // namespace lcperf::backends::cuda
