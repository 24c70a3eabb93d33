#pragma once
// One piece of stream work of a live run: LiveRuntime (live_runtime.hpp) builds it from
// a rank program's call, LiveWorld queues it on its (rank, stream), and the backend's
// world runs it (CPU threads) or puts it on the device (CUDA streams).
#include <cstdint>
#include <memory>
#include <string>

#include "core/deadlock_report.hpp"
#include "core/ops.hpp"
#include "core/records.hpp"
#include "core/runtime.hpp"

namespace lcperf::backends {

struct Work {
  using Kind = core::WorkKind;
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
  std::string call;  // collectives: which call of the group this is (LiveWorld::enqueue)
};

// "kernel 'fwd L0'", "recv from rank 1 tag 3", ... for deadlock reports.
std::string describe(const Work& work);

// The timeline record of finished work with the simulator's names and categories; its
// times are the backend's to set (host clock or device events). Moves the work's name
// and category out.
core::TimelineRecord timeline_record(int rank, int stream, Work& work);

}  // namespace lcperf::backends
