// NCCL communicators. Compiled in every CUDA build: without NCCL (no nccl.h / libnccl
// at configure time) the constructor says so and nothing else is reachable.
#include "backends/cuda/nccl_comms.hpp"

#include <stdexcept>

#ifdef LCPERF_HAVE_NCCL
#include <nccl.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "backends/cuda/cuda_status.hpp"

namespace lcperf::backends::cuda {

namespace {

void check_nccl(ncclResult_t status, const char* what) {
  if (status != ncclSuccess) throw std::runtime_error(std::string(what) + ": " + ncclGetErrorString(status));
}

ncclDataType_t nccl_type(core::DType dtype) {
  switch (dtype) {
    case core::DType::fp32: return ncclFloat32;
    case core::DType::bf16: return ncclBfloat16;
    case core::DType::fp16: return ncclFloat16;
    case core::DType::fp8: return ncclUint8;  // byte-count tensors: wrapping byte sums
    case core::DType::int32: return ncclInt32;
    case core::DType::int64: return ncclInt64;
  }
  return ncclUint8;
}

cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

// ncclGroupEnd runs even when a call inside the group throws.
class Group {
 public:
  Group() { check_nccl(ncclGroupStart(), "ncclGroupStart"); }
  ~Group() {
    if (!closed_) ncclGroupEnd();  // unwinding: the error that got us here wins
  }
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
  void end() {
    closed_ = true;
    check_nccl(ncclGroupEnd(), "ncclGroupEnd");
  }

 private:
  bool closed_ = false;
};

// Restores the calling thread's device (a feeder stays on its rank's GPU).
class DeviceGuard {
 public:
  DeviceGuard() { check_cuda(cudaGetDevice(&device_), "cudaGetDevice"); }
  ~DeviceGuard() { cudaSetDevice(device_); }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int device_ = 0;
};

}  // namespace

NcclComms::NcclComms(std::vector<int> device_of_rank) : device_of_rank_(std::move(device_of_rank)) {}

NcclComms::~NcclComms() {
  for (auto& [ranks, comms] : comms_) {
    for (ncclComm* c : comms) ncclCommDestroy(c);
  }
}

const std::vector<ncclComm*>& NcclComms::comms_for(const std::vector<int>& ranks) {
  auto it = comms_.find(ranks);
  if (it != comms_.end()) return it->second;
  std::vector<int> devices;
  for (int r : ranks) devices.push_back(device_of_rank_.at(static_cast<std::size_t>(r)));
  std::vector<ncclComm*> comms(ranks.size(), nullptr);
  DeviceGuard guard;
  check_nccl(ncclCommInitAll(comms.data(), static_cast<int>(ranks.size()), devices.data()), "ncclCommInitAll");
  return comms_.emplace(ranks, std::move(comms)).first->second;
}

void NcclComms::send_recv(int from, const void* src, void* from_stream, int to, void* dst, void* to_stream,
                          std::int64_t bytes) {
  std::vector<int> world;
  for (int r = 0; r < static_cast<int>(device_of_rank_.size()); ++r) world.push_back(r);
  const std::vector<ncclComm*>& comms = comms_for(world);
  Group group;
  check_nccl(ncclSend(src, static_cast<std::size_t>(bytes), ncclUint8, to, comms[static_cast<std::size_t>(from)],
                      as_stream(from_stream)),
             "ncclSend");
  check_nccl(ncclRecv(dst, static_cast<std::size_t>(bytes), ncclUint8, from, comms[static_cast<std::size_t>(to)],
                      as_stream(to_stream)),
             "ncclRecv");
  group.end();
}

void NcclComms::collective(core::CollectiveKind kind, core::DType dtype, const std::vector<int>& ranks,
                           const std::vector<void*>& buffers, const std::vector<void*>& streams, std::int64_t elements) {
  const std::vector<ncclComm*>& comms = comms_for(ranks);
  const int n = static_cast<int>(ranks.size());
  const ncclDataType_t type = nccl_type(dtype);
  const std::size_t elem = static_cast<std::size_t>(core::dtype_bytes(dtype));
  const auto count = static_cast<std::size_t>(elements);
  const std::size_t slice = count / static_cast<std::size_t>(n);
  DeviceGuard guard;
  // all_to_all is not in place: each member receives into a temporary of its own.
  std::vector<void*> temps(static_cast<std::size_t>(n), nullptr);
  if (kind == core::CollectiveKind::all_to_all) {
    for (int i = 0; i < n; ++i) {
      check_cuda(cudaSetDevice(device_of_rank_.at(static_cast<std::size_t>(ranks[static_cast<std::size_t>(i)]))), "cudaSetDevice");
      check_cuda(cudaMallocAsync(&temps[static_cast<std::size_t>(i)], std::max<std::size_t>(count * elem, 1),
                                 as_stream(streams[static_cast<std::size_t>(i)])),
                 "cudaMallocAsync (all_to_all)");
    }
  }
  Group group;
  for (int i = 0; i < n; ++i) {
    const auto m = static_cast<std::size_t>(i);
    auto* buf = static_cast<char*>(buffers[m]);
    cudaStream_t stream = as_stream(streams[m]);
    ncclComm* comm = comms[m];
    switch (kind) {
      case core::CollectiveKind::all_reduce:
        check_nccl(ncclAllReduce(buf, buf, count, type, ncclSum, comm, stream), "ncclAllReduce");
        break;
      case core::CollectiveKind::all_gather:
        check_nccl(ncclAllGather(buf + m * slice * elem, buf, slice, type, comm, stream), "ncclAllGather");
        break;
      case core::CollectiveKind::reduce_scatter:
        check_nccl(ncclReduceScatter(buf, buf + m * slice * elem, slice, type, ncclSum, comm, stream), "ncclReduceScatter");
        break;
      case core::CollectiveKind::broadcast:
        check_nccl(ncclBroadcast(buf, buf, count, type, 0, comm, stream), "ncclBroadcast");
        break;
      case core::CollectiveKind::reduce:
        check_nccl(ncclReduce(buf, buf, count, type, ncclSum, 0, comm, stream), "ncclReduce");
        break;
      case core::CollectiveKind::all_to_all: {
        auto* temp = static_cast<char*>(temps[m]);
        for (int j = 0; j < n; ++j) {
          const auto p = static_cast<std::size_t>(j);
          // Member i's block j comes from member j's block i.
          check_nccl(ncclSend(buf + p * slice * elem, slice, type, j, comm, stream), "ncclSend (all_to_all)");
          check_nccl(ncclRecv(temp + p * slice * elem, slice, type, j, comm, stream), "ncclRecv (all_to_all)");
        }
        break;
      }
    }
  }
  group.end();
  if (kind == core::CollectiveKind::all_to_all) {
    for (int i = 0; i < n; ++i) {
      const auto m = static_cast<std::size_t>(i);
      check_cuda(cudaSetDevice(device_of_rank_.at(static_cast<std::size_t>(ranks[m]))), "cudaSetDevice");
      check_cuda(cudaMemcpyAsync(buffers[m], temps[m], slice * static_cast<std::size_t>(n) * elem, cudaMemcpyDeviceToDevice,
                                 as_stream(streams[m])),
                 "cudaMemcpyAsync (all_to_all)");
      check_cuda(cudaFreeAsync(temps[m], as_stream(streams[m])), "cudaFreeAsync (all_to_all)");
    }
  }
}

}  // namespace lcperf::backends::cuda
#else  // no NCCL in this build

namespace lcperf::backends::cuda {

NcclComms::NcclComms(std::vector<int>) {
  throw std::runtime_error("the NCCL transport is not in this build (nccl.h / libnccl not found at configure time)");
}
NcclComms::~NcclComms() = default;
void NcclComms::send_recv(int, const void*, void*, int, void*, void*, std::int64_t) {
  throw std::logic_error("NcclComms::send_recv without NCCL");
}
void NcclComms::collective(core::CollectiveKind, core::DType, const std::vector<int>&, const std::vector<void*>&,
                           const std::vector<void*>&, std::int64_t) {
  throw std::logic_error("NcclComms::collective without NCCL");
}

}  // namespace lcperf::backends::cuda
#endif
