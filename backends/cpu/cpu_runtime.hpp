#pragma once
// The live CPU implementation of the runtime seam (core/runtime.hpp): every rank is a
// thread with real buffers, every (rank, stream) an in-order work queue with a worker
// thread of its own (so a rank's compute overlaps its communication), p2p and
// collectives move and reduce real bytes through shared memory, kernels run the CPU
// reference kernels (op_executor.hpp). Times are measured with the steady clock,
// relative to one start shared by all ranks, and written as the same records the
// simulator writes (core/records.hpp), so the two can be compared op by op.
#include <cstdint>
#include <cstddef>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ops.hpp"
#include "core/records.hpp"
#include "core/runtime.hpp"

namespace lcperf::backends::cpu {

// Measured time of one part of a kernel op (the simulator prices parts one by one, so
// per-class errors are measured per part).
struct PartTiming {
  int rank = 0;
  int stream = 0;
  std::string op_name;
  int micro_batch = -1;
  int part_index = 0;
  core::OpPart part;
  double seconds = 0;
};

struct LiveInput {
  int ranks = 0;
  std::function<core::RankProgram(int rank)> program_for;
  // Per-rank capacity for the memory accounting; going over it is recorded (first
  // event, as the simulator does) and the run goes on.
  std::int64_t memory_capacity_bytes = 0;
  std::vector<int> node_of_rank;  // empty: every rank on node 0
  // Runs one kernel op on the calling (stream worker) thread and returns the measured
  // time of each part; empty = the CPU reference kernels (execute_op in op_executor.hpp).
  std::function<std::vector<double>(const core::KernelOp&)> execute_op;
  // Watchdog: when every unfinished rank program is blocked, no stream is executing
  // work and nothing has changed for this long, the run is declared deadlocked.
  double deadlock_grace_s = 0.5;
};

struct LiveResult {
  core::RunRecords records;
  std::vector<PartTiming> parts;  // every kernel part, in completion order per stream
  // Wall time spent in kernels and the CPU time their threads got meanwhile: a ratio
  // well below 1 means other threads or processes took the cores (timings then include
  // time-slicing the simulator does not model).
  double kernel_wall_s = 0;
  double kernel_cpu_s = 0;
};

// Thrown when rank programs wait on each other forever; names ranks and pending ops.
class LiveDeadlockError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The bytes behind a live tensor, for code that knows it runs on this backend (tests,
// the tiny model): `runtime` must be the runtime run_live handed to the rank program.
// Throws std::logic_error otherwise or when the tensor was released.
std::span<std::byte> live_buffer(core::Runtime& runtime, const core::Tensor& tensor);

// Runs one program per rank to completion. Throws LiveDeadlockError on deadlock and
// std::runtime_error("rank R: ...") when a program throws.
LiveResult run_live(const LiveInput& input);

}  // namespace lcperf::backends::cpu
