#pragma once
// What a live run takes and gives back, for both live backends (backends/cpu,
// backends/cuda): the rank programs and the run's limits in, the same records the
// simulator writes out (core/records.hpp), so `lcperf validate` treats both alike.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/ops.hpp"
#include "core/records.hpp"
#include "core/runtime.hpp"

namespace lcperf::backends {

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
  // CPU backend only: runs one kernel op on the calling (stream worker) thread and
  // returns the measured time of each part; empty = the CPU reference kernels
  // (execute_op in cpu/op_executor.hpp).
  std::function<std::vector<double>(const core::KernelOp&)> execute_op;
  // Watchdog: when every unfinished rank program is blocked, no stream is executing
  // work and nothing has changed for this long, the run is declared deadlocked.
  double deadlock_grace_s = 0.5;
};

// Throws std::invalid_argument naming `caller` when the input cannot run.
void check_live_input(const LiveInput& input, std::string_view caller);

struct LiveResult {
  core::RunRecords records;
  std::vector<PartTiming> parts;  // every kernel part, in completion order per stream
  // Wall time spent in kernels and the CPU time their threads got meanwhile: a ratio
  // well below 1 means other threads or processes took the cores (timings then include
  // time-slicing the simulator does not model). The CPU backend measures them.
  double kernel_wall_s = 0;
  double kernel_cpu_s = 0;
};

// Thrown when rank programs wait on each other forever; names ranks and pending ops
// (core/deadlock_report.hpp).
class LiveDeadlockError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace lcperf::backends
