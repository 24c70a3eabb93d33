#include "backends/cuda/cuda_world.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <stdexcept>

#include "backends/cuda/cuda_status.hpp"
#include "backends/cuda/kernel_runner.hpp"
#include "backends/cuda/nccl_comms.hpp"

namespace lcperf::backends::cuda {

namespace {

double seconds_between(CUevent_st* from, CUevent_st* to) {
  float ms = 0;
  check_cuda(cudaEventElapsedTime(&ms, from, to), "cudaEventElapsedTime");
  return 1e-3 * static_cast<double>(ms);
}

}  // namespace

CudaWorld::CudaWorld(const LiveInput& input, WorldConfig config)
    : LiveWorld(input, "live CUDA run"),
      config_(std::move(config)),
      rank_streams_(static_cast<std::size_t>(input.ranks)),
      ends_(1, nullptr) {
  const std::set<int> distinct(config_.device_of_rank.begin(), config_.device_of_rank.end());
  devices_.assign(distinct.begin(), distinct.end());
  try {
    for (int d : devices_) {
      check_cuda(cudaSetDevice(d), "cudaSetDevice");
      // Keep freed pool memory cached in the process: tensors come and go every step.
      cudaMemPool_t pool = nullptr;
      check_cuda(cudaDeviceGetDefaultMemPool(&pool, d), "cudaDeviceGetDefaultMemPool");
      std::uint64_t keep = std::numeric_limits<std::uint64_t>::max();
      check_cuda(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep), "cudaMemPoolSetAttribute");
      // Device copies across GPUs read peers' buffers in kernels: pool memory needs
      // explicit access for every other GPU (peer access does not cover pools).
      if (!config_.use_nccl) {
        for (int other : devices_) {
          if (other == d) continue;
          int can = 0;
          check_cuda(cudaDeviceCanAccessPeer(&can, other, d), "cudaDeviceCanAccessPeer");
          if (can == 0) {
            throw std::runtime_error("GPU " + std::to_string(other) + " cannot access GPU " + std::to_string(d) +
                                     "'s memory: the device_copies transport needs peer access (use NCCL)");
          }
          cudaMemAccessDesc access{};
          access.location.type = cudaMemLocationTypeDevice;
          access.location.id = other;
          access.flags = cudaMemAccessFlagsProtReadWrite;
          check_cuda(cudaMemPoolSetAccess(pool, &access, 1), "cudaMemPoolSetAccess");
        }
      }
      CUstream_st* reclaim = nullptr;
      check_cuda(cudaStreamCreateWithFlags(&reclaim, cudaStreamNonBlocking), "cudaStreamCreate");
      reclaim_[d] = reclaim;
    }
    if (config_.use_nccl) nccl_ = std::make_unique<NcclComms>(config_.device_of_rank);
    // One start for every device and the host: each device's t0 is recorded on an idle
    // stream right after its queue drained, so it completes at once; the host clock
    // starts after the last one (the offsets are microseconds).
    for (int d : devices_) {
      check_cuda(cudaSetDevice(d), "cudaSetDevice");
      check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
      CUevent_st* t0 = nullptr;
      check_cuda(cudaEventCreate(&t0), "cudaEventCreate");
      t0_[d] = t0;
      check_cuda(cudaEventRecord(t0, reclaim_[d]), "cudaEventRecord");
      check_cuda(cudaEventSynchronize(t0), "cudaEventSynchronize");
    }
  } catch (...) {
    release_device_resources();
    throw;
  }
  device_oom_.capacity_bytes = input.memory_capacity_bytes;
  begin_run();
}

CudaWorld::~CudaWorld() {
  tear_down();
  release_device_resources();
}

CudaWorld::CudaStream::~CudaStream() = default;

void CudaWorld::enter_rank(int rank) {
  check_cuda(cudaSetDevice(device_of(rank)), "cudaSetDevice");
  RankStreams& own = rank_streams_[static_cast<std::size_t>(rank)];
  check_cuda(cudaStreamCreateWithFlags(&own.alloc, cudaStreamNonBlocking), "cudaStreamCreate");
  check_cuda(cudaStreamCreateWithFlags(&own.free, cudaStreamNonBlocking), "cudaStreamCreate");
}

// Tensors come from the device's memory pool: the allocation stream carries nothing
// but allocations, so synchronising it right away costs no wait and makes the buffer
// usable on every stream.
core::Tensor CudaWorld::allocate(int rank, const core::TensorDesc& desc) {
  const std::int64_t bytes = desc.bytes();
  if (bytes < 0) throw std::logic_error("rank " + std::to_string(rank) + " allocates a tensor of negative size");
  CUstream_st* alloc = rank_streams_[static_cast<std::size_t>(rank)].alloc;
  void* data = nullptr;
  const cudaError_t status = cudaMallocAsync(&data, static_cast<std::size_t>(std::max<std::int64_t>(bytes, 1)), alloc);
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear it: the run goes on with a tensor that has no buffer
    data = nullptr;
  } else {
    check_cuda(status, "cudaMallocAsync (tensor)");
    check_cuda(cudaStreamSynchronize(alloc), "cudaStreamSynchronize (allocation)");
  }
  std::lock_guard lock(mu_);
  core::Tensor tensor{++next_tensor_, desc};
  tensors_.emplace(tensor.id, DeviceTensor{data, device_of(rank), bytes});
  const double time_s = now_s();
  if (data == nullptr && !device_oom_.happened) {
    device_oom_ = {true, rank, desc.tag, time_s, bytes, memory_.in_use(rank), input().memory_capacity_bytes};
  }
  memory_.allocate(rank, desc.tag, bytes, time_s);
  return tensor;
}

// The buffer goes back to the pool once every stream of the rank has finished the work
// already on the device (work still queued on the host may not use it: it fails, as on
// the CPU backend, with "after its release").
void CudaWorld::release(int rank, core::Tensor& tensor) {
  if (!tensor.valid()) throw std::logic_error("rank " + std::to_string(rank) + " releases an invalid tensor");
  DeviceTensor owned;
  std::vector<CUevent_st*> after;
  {
    std::lock_guard lock(mu_);
    auto it = tensors_.find(tensor.id);
    if (it == tensors_.end()) {
      throw std::logic_error("rank " + std::to_string(rank) + " releases tensor '" + tensor.desc.name + "' twice");
    }
    owned = it->second;
    tensors_.erase(it);
    memory_.release(rank, tensor.desc.tag, tensor.bytes(), now_s());
    for (const auto& [id, stream] : streams_of(rank)) {
      if (CUevent_st* end = cuda_stream(*stream).last_end; end != nullptr) after.push_back(end);
    }
  }
  tensor.id = 0;
  if (owned.data == nullptr) return;
  CUstream_st* free_stream = rank_streams_[static_cast<std::size_t>(rank)].free;
  for (CUevent_st* event : after) check_cuda(cudaStreamWaitEvent(free_stream, event, 0), "cudaStreamWaitEvent (release)");
  check_cuda(cudaFreeAsync(owned.data, free_stream), "cudaFreeAsync (tensor)");
}

void* CudaWorld::data_of(std::uint64_t tensor, const char* what) {
  auto it = tensors_.find(tensor);
  if (it == tensors_.end()) {
    throw std::logic_error(std::string(what) + " on tensor " + std::to_string(tensor) + " after its release");
  }
  if (it->second.data == nullptr) {
    throw std::logic_error(std::string(what) + " on tensor " + std::to_string(tensor) +
                           ", which has no device buffer (the GPU ran out of memory when it was allocated)");
  }
  return it->second.data;
}

std::vector<std::byte> CudaWorld::read(const core::Tensor& tensor) {
  void* data = nullptr;
  {
    std::lock_guard lock(mu_);
    data = data_of(tensor.id, "read_tensor");
  }
  std::vector<std::byte> bytes(static_cast<std::size_t>(tensor.bytes()));
  if (!bytes.empty()) check_cuda(cudaMemcpy(bytes.data(), data, bytes.size(), cudaMemcpyDefault), "cudaMemcpy (read_tensor)");
  return bytes;
}

void CudaWorld::write(const core::Tensor& tensor, const std::vector<std::byte>& bytes) {
  if (static_cast<std::int64_t>(bytes.size()) != tensor.bytes()) {
    throw std::invalid_argument("write_tensor: " + std::to_string(bytes.size()) + " bytes for tensor '" +
                                tensor.desc.name + "' of " + std::to_string(tensor.bytes()) + " bytes");
  }
  void* data = nullptr;
  {
    std::lock_guard lock(mu_);
    data = data_of(tensor.id, "write_tensor");
  }
  if (!bytes.empty()) check_cuda(cudaMemcpy(data, bytes.data(), bytes.size(), cudaMemcpyDefault), "cudaMemcpy (write_tensor)");
}

std::unique_ptr<LiveWorld::Stream> CudaWorld::new_stream() { return std::make_unique<CudaStream>(); }

// The stream's CUDA state is touched only by its own feeder until the threads stopped.
void CudaWorld::open_stream(Stream& s) {
  CudaStream& stream = cuda_stream(s);
  stream.device = device_of(stream.rank);
  check_cuda(cudaSetDevice(stream.device), "cudaSetDevice");
  check_cuda(cudaStreamCreateWithFlags(&stream.cuda, cudaStreamNonBlocking), "cudaStreamCreate");
  if (config_.run_kernels) stream.runner = std::make_unique<KernelRunner>(stream.cuda);
}

void CudaWorld::execute(Stream& s, Work& work, Lock& lock) {
  CudaStream& stream = cuda_stream(s);
  PendingRecord pending;
  pending.device = stream.device;
  switch (work.kind) {
    case Work::Kind::kernel: run_kernel(stream, work, pending, lock); break;
    case Work::Kind::send: run_send(stream, work, pending, lock); break;
    case Work::Kind::recv: run_recv(stream, work, pending, lock); break;
    case Work::Kind::collective: run_collective(stream, work, pending, lock); break;
  }
  if (aborted()) return;
  pending.record = timeline_record(stream.rank, stream.id, work);
  if (ends_.size() <= work.completion) ends_.resize(work.completion + 1, nullptr);
  ends_[work.completion] = pending.end;
  stream.last_end = pending.end;
  pending_.push_back(std::move(pending));
  complete(work.completion);
}

// The host side has put the work on the device; done is when the device has run it.
void CudaWorld::await_device(std::uint64_t completion) {
  CUevent_st* end = nullptr;
  {
    std::lock_guard lock(mu_);
    end = ends_[completion];
  }
  if (end != nullptr) check_cuda(cudaEventSynchronize(end), "cudaEventSynchronize");
}

CUevent_st* CudaWorld::record_event(CudaStream& stream, CUstream_st* on) {
  CUevent_st* event = nullptr;
  check_cuda(cudaEventCreate(&event), "cudaEventCreate");
  stream.events.push_back(event);
  check_cuda(cudaEventRecord(event, on), "cudaEventRecord");
  return event;
}

void CudaWorld::run_kernel(CudaStream& stream, Work& work, PendingRecord& pending, Lock& lock) {
  lock.unlock();
  pending.start = record_event(stream, stream.cuda);
  for (const core::OpPart& part : work.op.parts) {
    if (stream.runner) stream.runner->enqueue_part(part);
    pending.part_ends.push_back(record_event(stream, stream.cuda));
    pending.parts.push_back(part);
  }
  pending.end = record_event(stream, stream.cuda);
  lock.lock();
}

// Never throws: also the destructor's cleanup after a failed run.
void CudaWorld::release_device_resources() {
  if (released_) return;
  released_ = true;
  for (int d : devices_) {
    if (cudaSetDevice(d) == cudaSuccess) cudaDeviceSynchronize();
  }
  for (auto& [id, tensor] : tensors_) {
    if (tensor.data != nullptr && cudaSetDevice(tensor.device) == cudaSuccess) cudaFree(tensor.data);
  }
  tensors_.clear();
  for (Staged& staged : channels_.take_all()) {
    if (cudaSetDevice(staged.device) == cudaSuccess) cudaFree(staged.data);
  }
  for (int rank = 0; rank < ranks(); ++rank) {
    for (const auto& [id, s] : streams_of(rank)) {
      CudaStream& stream = cuda_stream(*s);
      if (cudaSetDevice(stream.device) != cudaSuccess) continue;
      stream.runner.reset();  // frees scratch on its stream
      if (stream.cuda != nullptr) cudaStreamSynchronize(stream.cuda);
      for (CUevent_st* event : stream.events) cudaEventDestroy(event);
      stream.events.clear();
      if (stream.cuda != nullptr) cudaStreamDestroy(stream.cuda);
      stream.cuda = nullptr;
    }
    RankStreams& own = rank_streams_[static_cast<std::size_t>(rank)];
    if (own.alloc != nullptr) cudaStreamDestroy(own.alloc);
    if (own.free != nullptr) {
      cudaStreamSynchronize(own.free);
      cudaStreamDestroy(own.free);
    }
    own.alloc = own.free = nullptr;
  }
  nccl_.reset();
  for (auto& [key, stream] : inbound_) cudaStreamDestroy(stream);
  inbound_.clear();
  for (auto& [d, event] : t0_) cudaEventDestroy(event);
  t0_.clear();
  for (auto& [d, stream] : reclaim_) {
    cudaStreamSynchronize(stream);
    cudaStreamDestroy(stream);
  }
  reclaim_.clear();
}

LiveResult CudaWorld::finish() {
  stop_threads();
  if (aborted()) {
    release_device_resources();
    throw_abort();
  }
  for (int d : devices_) {
    check_cuda(cudaSetDevice(d), "cudaSetDevice");
    check_cuda(cudaDeviceSynchronize(), "device work of the live run");
  }
  LiveResult result;
  std::vector<core::TimelineRecord> timeline;
  for (PendingRecord& p : pending_) {
    CUevent_st* t0 = t0_.at(p.device);
    p.record.start_s = seconds_between(t0, p.start);
    p.record.end_s = seconds_between(t0, p.end);
    CUevent_st* previous = p.start;
    for (std::size_t i = 0; i < p.part_ends.size(); ++i) {
      result.parts.push_back({p.record.rank, p.record.stream, p.record.name, p.record.micro_batch, static_cast<int>(i),
                              p.parts[i], seconds_between(previous, p.part_ends[i])});
      previous = p.part_ends[i];
    }
    timeline.push_back(std::move(p.record));
  }
  // Completion order, as the CPU backend appends its records.
  std::stable_sort(timeline.begin(), timeline.end(),
                   [](const core::TimelineRecord& a, const core::TimelineRecord& b) { return a.end_s < b.end_s; });
  result.records = take_records(std::move(timeline));
  if (!result.records.oom.happened && device_oom_.happened) result.records.oom = device_oom_;
  release_device_resources();
  return result;
}

}  // namespace lcperf::backends::cuda
