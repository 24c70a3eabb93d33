#pragma once
// The live CUDA implementation of the runtime seam (core/runtime.hpp). One host thread
// per rank runs its program; every (rank, stream) is a CUDA stream fed in order by a
// host "feeder" thread of its own (the feeder is where a recv waits for its send to be
// posted and a collective for its members, so the rank program never blocks on a peer
// unless it waits). Completions are CUDA events, wait() is cudaEventSynchronize, buffers
// come from cudaMalloc and are accounted per rank and tag like the CPU backend's; kernel
// ops run kernels/cuda on per-stream scratch buffers of the op's shape, timed part by
// part with CUDA events. Input and results are the live backends' types
// (backends/live_input.hpp), so `lcperf validate` treats both backends alike. backends/README.md has the details.
//
// No CUDA or NCCL header here: everything device-side sits behind the .cpp/.cu files.
#include <cstddef>
#include <string>
#include <vector>

#include "backends/live_input.hpp"
#include "core/runtime.hpp"
#include "core/tensor.hpp"

namespace lcperf::backends::cuda {

// How ranks talk to each other inside one process.
enum class CudaTransport {
  // NCCL when it was built in and every rank has a GPU of its own, else device_copies.
  automatic,
  // cudaMemcpyAsync through staging buffers for p2p, small CUDA kernels (sums) and
  // copies for collectives. The only choice when ranks share a GPU (single-GPU mode);
  // across GPUs it needs peer access between them.
  device_copies,
  // NCCL communicators (ncclCommInitAll over the process's GPUs, one per comm group)
  // for p2p and collectives. Needs one rank per GPU.
  nccl,
};

struct CudaOptions {
  // GPU of each rank. Empty: rank r on GPU r when there are at least as many GPUs as
  // ranks, else every rank on GPU 0 (single-GPU mode: ranks are streams of one device).
  std::vector<int> device_of_rank;
  CudaTransport transport = CudaTransport::automatic;
  // false: kernel ops enqueue only their timing events (decision-log and memory checks
  // that do not need kernel times).
  bool run_kernels = true;
};

// True when this binary has the CUDA backend and a GPU is visible; otherwise false and
// *why (when given) says which of the two is missing, for a clear CLI error.
bool cuda_backend_available(std::string* why);

// True when the binary was built with NCCL (LCPERF_HAVE_NCCL).
bool built_with_nccl();

// Runs one program per rank to completion, as backends::cpu::run_live does: same
// records, same LiveDeadlockError on deadlock, std::runtime_error("rank R: ...") when a
// program throws. input.execute_op must be empty (kernels run on device streams, not on
// a host thread; CudaOptions::run_kernels switches them off). Throws std::runtime_error
// when the backend is not available (see cuda_backend_available).
LiveResult run_live_cuda(const LiveInput& input, const CudaOptions& options = {});

// Host copies of a live tensor's bytes, for tests and code that knows it runs on this
// backend. Synchronous; call them once the work that touches the tensor was waited for.
// `runtime` must be the runtime run_live_cuda handed to the rank program.
std::vector<std::byte> read_tensor(core::Runtime& runtime, const core::Tensor& tensor);
void write_tensor(core::Runtime& runtime, const core::Tensor& tensor, const std::vector<std::byte>& bytes);

// The GPU a rank runs on, in the run `runtime` belongs to.
int device_of(core::Runtime& runtime);

}  // namespace lcperf::backends::cuda
