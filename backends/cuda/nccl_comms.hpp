#pragma once
// NCCL communicators of one process (ncclCommInitAll over the GPUs of the ranks it runs,
// one rank per GPU) and the grouped calls the CUDA backend issues on them. Built only
// with NCCL (LCPERF_HAVE_NCCL). Internal to backends/cuda; no NCCL header here.
//
// Every call issues *all* participants' NCCL operations inside one ncclGroupStart/End
// from one thread (the feeder that completed a rendezvous), under the world's lock, so
// every communicator sees operations in one global order: no two GPUs can disagree on
// the order of operations on one communicator, which is what deadlocks NCCL.
#include <cstdint>
#include <map>
#include <vector>

#include "core/dtype.hpp"
#include "core/ops.hpp"

struct ncclComm;

namespace lcperf::backends::cuda {

class NcclComms {
 public:
  explicit NcclComms(std::vector<int> device_of_rank);
  ~NcclComms();
  NcclComms(const NcclComms&) = delete;
  NcclComms& operator=(const NcclComms&) = delete;

  // `bytes` from `src` (rank `from`, on from_stream) into `dst` (rank `to`, on
  // to_stream, a buffer on to's GPU), as one grouped ncclSend/ncclRecv pair.
  void send_recv(int from, const void* src, void* from_stream, int to, void* dst, void* to_stream, std::int64_t bytes);

  // One collective over `ranks` (group order; member i owns buffers[i], a tensor of
  // `elements` elements, and runs on streams[i]). In place, with the CPU backend's
  // meaning: slices are elements / n (a remainder of fewer than n elements is left out
  // of all_gather / reduce_scatter / all_to_all), the root is member 0.
  void collective(core::CollectiveKind kind, core::DType dtype, const std::vector<int>& ranks,
                  const std::vector<void*>& buffers, const std::vector<void*>& streams, std::int64_t elements);

 private:
  const std::vector<ncclComm*>& comms_for(const std::vector<int>& ranks);

  std::vector<int> device_of_rank_;
  std::map<std::vector<int>, std::vector<ncclComm*>> comms_;  // by member ranks, in group order
};

}  // namespace lcperf::backends::cuda
