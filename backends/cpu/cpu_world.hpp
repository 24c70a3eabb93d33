#pragma once
// One live CPU run: LiveWorld's queues, completions, messages and watchdog
// (backends/live_world.hpp), with real host buffers, stream workers that run kernels
// on the calling thread, p2p through bounce buffers and collectives through a shared
// staging buffer. Internal to backends/cpu (cpu_runtime.hpp is the public face).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "backends/collective_rendezvous.hpp"
#include "backends/live_world.hpp"
#include "backends/p2p_channels.hpp"

namespace lcperf::backends::cpu {

class CpuWorld final : public LiveWorld {
 public:
  explicit CpuWorld(const LiveInput& input);
  ~CpuWorld() override;

  // Memory.
  core::Tensor allocate(int rank, const core::TensorDesc& desc);
  void release(int rank, core::Tensor& tensor);
  std::span<std::byte> buffer_span(const core::Tensor& tensor);  // takes the lock

  // Stops the workers and the watchdog; then throws if the run failed, else returns
  // the records.
  LiveResult finish();

 private:
  using Bytes = std::unique_ptr<std::byte[]>;
  // What the members of a collective build together: slice i of the result, made by
  // member i in the first phase, read by everyone in the second.
  struct Staging {
    std::vector<std::byte> bytes;
    int computed = 0;    // members done with the first phase
    int copied_out = 0;  // members done with the second
  };

  void open_stream(Stream& stream) override;
  void execute(Stream& stream, Work& work, Lock& lock) override;
  void run_kernel(Stream& stream, Work& work, Lock& lock);
  void run_send(Stream& stream, Work& work, Lock& lock);
  void run_recv(Stream& stream, Work& work, Lock& lock);
  void run_collective(Stream& stream, Work& work, Lock& lock);
  std::byte* buffer(std::uint64_t tensor);  // under the lock

  std::uint64_t next_tensor_ = 0;
  std::unordered_map<std::uint64_t, Bytes> buffers_;
  P2pChannels<Bytes> channels_;
  CollectiveRendezvous<std::byte*, Staging> rendezvous_;
  std::vector<core::TimelineRecord> timeline_;
  std::vector<PartTiming> parts_;
  double kernel_wall_s_ = 0;
  double kernel_cpu_s_ = 0;
};

}  // namespace lcperf::backends::cpu
