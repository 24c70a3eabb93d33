#include "backends/cuda/cuda_runtime.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "backends/cuda/cuda_status.hpp"
#include "backends/cuda/cuda_world.hpp"
#include "backends/live_runtime.hpp"

namespace lcperf::backends::cuda {

namespace {

// One rank's view of the world; the rank program runs on its own thread, which stays
// on the rank's GPU.
using CudaRuntime = LiveRuntime<CudaWorld>;

CudaRuntime& cuda_runtime_of(core::Runtime& runtime, const char* what) {
  auto* cuda = dynamic_cast<CudaRuntime*>(&runtime);
  if (cuda == nullptr) throw std::logic_error(std::string(what) + ": not a runtime of the live CUDA backend");
  return *cuda;
}

std::vector<int> resolve_devices(const LiveInput& input, const CudaOptions& options) {
  int count = 0;
  check_cuda(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  std::vector<int> devices = options.device_of_rank;
  if (devices.empty()) {
    for (int r = 0; r < input.ranks; ++r) devices.push_back(count >= input.ranks ? r : 0);
  }
  if (static_cast<int>(devices.size()) != input.ranks) {
    throw std::invalid_argument("run_live_cuda: device_of_rank has " + std::to_string(devices.size()) + " entries for " +
                                std::to_string(input.ranks) + " ranks");
  }
  for (std::size_t r = 0; r < devices.size(); ++r) {
    if (devices[r] < 0 || devices[r] >= count) {
      throw std::invalid_argument("run_live_cuda: rank " + std::to_string(r) + " on GPU " + std::to_string(devices[r]) +
                                  ", but " + std::to_string(count) + " GPU(s) are visible");
    }
  }
  return devices;
}

bool choose_nccl(const std::vector<int>& devices, CudaTransport transport) {
  const bool shared = std::set<int>(devices.begin(), devices.end()).size() < devices.size();
  switch (transport) {
    case CudaTransport::device_copies: return false;
    case CudaTransport::nccl:
      if (!built_with_nccl()) throw std::invalid_argument("run_live_cuda: the NCCL transport is not in this build");
      if (shared) throw std::invalid_argument("run_live_cuda: the NCCL transport needs one rank per GPU (ranks share a GPU)");
      return true;
    case CudaTransport::automatic: return built_with_nccl() && !shared && devices.size() > 1;
  }
  return false;
}

}  // namespace

LiveResult run_live_cuda(const LiveInput& input, const CudaOptions& options) {
  std::string why;
  if (!cuda_backend_available(&why)) throw std::runtime_error("run_live_cuda: " + why);
  check_live_input(input, "run_live_cuda");
  if (input.execute_op) {
    throw std::invalid_argument(
        "run_live_cuda: LiveInput::execute_op is a host-thread hook of the CPU backend; kernels here run on device "
        "streams (CudaOptions::run_kernels = false skips them)");
  }
  WorldConfig config;
  config.device_of_rank = resolve_devices(input, options);
  config.use_nccl = choose_nccl(config.device_of_rank, options.transport);
  config.run_kernels = options.run_kernels;

  std::vector<core::RankProgram> programs;
  for (int r = 0; r < input.ranks; ++r) programs.push_back(input.program_for(r));

  CudaWorld world(input, std::move(config));
  return run_rank_programs(world, programs);
}

std::vector<std::byte> read_tensor(core::Runtime& runtime, const core::Tensor& tensor) {
  return cuda_runtime_of(runtime, "read_tensor").world().read(tensor);
}

void write_tensor(core::Runtime& runtime, const core::Tensor& tensor, const std::vector<std::byte>& bytes) {
  cuda_runtime_of(runtime, "write_tensor").world().write(tensor, bytes);
}

int device_of(core::Runtime& runtime) {
  CudaRuntime& cuda = cuda_runtime_of(runtime, "device_of");
  return cuda.world().device_of(cuda.rank());
}

}  // namespace lcperf::backends::cuda
