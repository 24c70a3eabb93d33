#pragma once
// The runtime seam. A rank program (one per device) or a controller is ordinary
// sequential code against this interface; it never knows whether it runs in the
// simulator (sim/) or live (backends/). Nothing under schedulers/ may reach past it.
//
// Semantics every runtime honours:
// - Streams are in-order queues per rank: an op starts after the previous op on the
//   same stream completes. Ops on different streams of one rank may overlap and then
//   share the device.
// - launch/send/recv/collective return at once with a Completion; wait() blocks the
//   caller until it is done. The *_sync helpers are launch + wait.
// - send/recv match by (source, destination, tag) in posting order. Sends are buffered
//   (eager): a send's data flows as soon as its stream reaches it and the send
//   completes when the data has arrived, whether or not the receiver has posted its
//   recv yet; a recv completes when its data has arrived. (NCCL's small-message
//   protocols behave so; for large messages it is an approximation that frees pipeline
//   schedules from send/recv posting-order deadlocks, which real code avoids by
//   batching send/recv pairs.)
// - A collective starts when every member has reached it on its stream.
// - allocate/release account memory per rank and tag; running out of memory is recorded
//   (rank, tag, time) and the run goes on, so the result can say `oom: true`.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ops.hpp"
#include "core/tensor.hpp"

namespace lcperf::core {

using StreamId = int;
inline constexpr StreamId kComputeStream = 0;
inline constexpr StreamId kSendStream = 1;
inline constexpr StreamId kRecvStream = 2;
inline constexpr StreamId kCollectiveStream = 3;
// A serving engine's host work (scheduling, input preparation, sampling, output
// processing, kernel launches the GPU waits for): its own timeline lane.
inline constexpr StreamId kHostStream = 4;

struct Completion {
  std::uint64_t id = 0;  // 0 = already complete (nothing to wait for)
};

struct CommGroup {
  std::string name;        // "tp", "dp", "pp", "cp", "instance", ...
  std::vector<int> ranks;  // in group order; identical on every member
};

// Small typed messages between controllers (request arrivals, DistKV borrowing).
struct Message {
  int from = -1;
  std::string type;
  std::int64_t bytes = 0;  // size on the wire
  std::string payload;     // opaque to the runtime
};

class Runtime {
 public:
  virtual ~Runtime() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;

  // Memory.
  virtual Tensor allocate(const TensorDesc& desc) = 0;
  virtual void release(Tensor& tensor) = 0;

  // Work, asynchronous.
  virtual Completion launch(const KernelOp& op, StreamId stream) = 0;
  virtual Completion send(const Tensor& tensor, int peer, StreamId stream, int tag = 0) = 0;
  virtual Completion recv(const Tensor& tensor, int peer, StreamId stream, int tag = 0) = 0;
  virtual Completion collective(CollectiveKind kind, const CommGroup& group, const Tensor& tensor,
                                StreamId stream) = 0;
  virtual void wait(Completion completion) = 0;
  virtual void synchronize() = 0;  // all streams of this rank drained

  // Time.
  virtual double now_s() const = 0;
  virtual void sleep_until(double time_s) = 0;

  // Controller messages. receive_message returns nullopt on timeout (negative = forever).
  virtual void post_message(int to, const Message& message) = 0;
  virtual std::optional<Message> receive_message(double timeout_s) = 0;

  // Decisions a policy took, in order; compared across runtimes.
  virtual void log_decision(std::string_view kind, std::string_view detail) = 0;

  // Blocking conveniences.
  void run(const KernelOp& op, StreamId stream = kComputeStream) { wait(launch(op, stream)); }
  void wait_all(const std::vector<Completion>& completions) {
    for (const Completion& c : completions) wait(c);
  }
};

using RankProgram = std::function<void(Runtime&)>;

}  // namespace lcperf::core
