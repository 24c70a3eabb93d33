#pragma once
// Multi-node bootstrap: one process per GPU, started by an MPI launcher; rank 0 makes
// the ncclUniqueId and MPI broadcasts it, then every process joins one NCCL world
// communicator with ncclCommInitRank on the GPU of its node-local rank. Built only when
// both MPI and NCCL were found (LCPERF_HAVE_MPI_NCCL). No MPI or NCCL header here.
//
// Launch (backends/README.md): `mpirun -np <GPUs> --map-by ppr:<GPUs per node>:node
// <binary> ...`; each process takes GPU (node-local rank mod visible GPUs).
#include <cstdint>

struct ncclComm;

namespace lcperf::backends::cuda {

class MpiNcclBootstrap {
 public:
  // Initialises MPI (MPI_THREAD_MULTIPLE) when nobody has yet, and finalises it at
  // destruction only then; selects the GPU and creates the world communicator.
  // Throws std::runtime_error naming the failed MPI / CUDA / NCCL call.
  MpiNcclBootstrap();
  ~MpiNcclBootstrap();
  MpiNcclBootstrap(const MpiNcclBootstrap&) = delete;
  MpiNcclBootstrap& operator=(const MpiNcclBootstrap&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  int local_rank() const { return local_rank_; }
  int device() const { return device_; }
  ncclComm* comm() const { return comm_; }

  // Sums `count` floats at a device pointer of this process's GPU over every process,
  // in place, and waits for it: the check that a launch is wired up.
  void all_reduce_sum(float* device_data, std::int64_t count) const;

 private:
  int rank_ = 0;
  int world_size_ = 1;
  int local_rank_ = 0;
  int device_ = 0;
  bool initialised_mpi_ = false;
  ncclComm* comm_ = nullptr;
};

}  // namespace lcperf::backends::cuda
