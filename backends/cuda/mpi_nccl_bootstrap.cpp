#include "backends/cuda/mpi_nccl_bootstrap.hpp"

#include <mpi.h>
#include <nccl.h>

#include <stdexcept>
#include <string>

#include "backends/cuda/cuda_status.hpp"

namespace lcperf::backends::cuda {

namespace {

void check_mpi(int status, const char* what) {
  if (status != MPI_SUCCESS) throw std::runtime_error(std::string(what) + " failed (MPI error " + std::to_string(status) + ")");
}

void check_nccl(ncclResult_t status, const char* what) {
  if (status != ncclSuccess) throw std::runtime_error(std::string(what) + ": " + ncclGetErrorString(status));
}

}  // namespace

MpiNcclBootstrap::MpiNcclBootstrap() {
  int initialised = 0;
  check_mpi(MPI_Initialized(&initialised), "MPI_Initialized");
  if (initialised == 0) {
    int provided = 0;
    check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
    initialised_mpi_ = true;
  }
  check_mpi(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(MPI_COMM_WORLD, &world_size_), "MPI_Comm_size");
  // The node-local rank picks the GPU: processes of one node share its GPUs.
  MPI_Comm node = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
  check_mpi(MPI_Comm_rank(node, &local_rank_), "MPI_Comm_rank (node)");
  MPI_Comm_free(&node);
  int gpus = 0;
  check_cuda(cudaGetDeviceCount(&gpus), "cudaGetDeviceCount");
  if (gpus == 0) throw std::runtime_error("MpiNcclBootstrap: rank " + std::to_string(rank_) + " sees no GPU");
  device_ = local_rank_ % gpus;
  check_cuda(cudaSetDevice(device_), "cudaSetDevice");
  ncclUniqueId id{};
  if (rank_ == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  check_mpi(MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast (ncclUniqueId)");
  check_nccl(ncclCommInitRank(&comm_, world_size_, id, rank_), "ncclCommInitRank");
}

MpiNcclBootstrap::~MpiNcclBootstrap() {
  if (comm_ != nullptr) ncclCommDestroy(comm_);
  if (initialised_mpi_) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized == 0) MPI_Finalize();
  }
}

void MpiNcclBootstrap::all_reduce_sum(float* device_data, std::int64_t count) const {
  check_cuda(cudaSetDevice(device_), "cudaSetDevice");
  cudaStream_t stream = nullptr;
  check_cuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
  const ncclResult_t status =
      ncclAllReduce(device_data, device_data, static_cast<std::size_t>(count), ncclFloat32, ncclSum, comm_, stream);
  const cudaError_t synced = cudaStreamSynchronize(stream);
  cudaStreamDestroy(stream);
  check_nccl(status, "ncclAllReduce");
  check_cuda(synced, "cudaStreamSynchronize (ncclAllReduce)");
}

}  // namespace lcperf::backends::cuda
