#include "backends/cuda/cuda_world.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include "backends/cuda/cuda_status.hpp"
#include "backends/cuda/kernel_runner.hpp"
#include "backends/cuda/nccl_comms.hpp"

namespace lcperf::backends::cuda {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(CUevent_st* from, CUevent_st* to) {
  float ms = 0;
  check_cuda(cudaEventElapsedTime(&ms, from, to), "cudaEventElapsedTime");
  return 1e-3 * static_cast<double>(ms);
}

}  // namespace

std::string describe(const CudaWork& w) {
  switch (w.kind) {
    case CudaWork::Kind::kernel: return "kernel '" + w.name + "'";
    case CudaWork::Kind::send: return "send to rank " + std::to_string(w.peer) + " tag " + std::to_string(w.tag);
    case CudaWork::Kind::recv: return "recv from rank " + std::to_string(w.peer) + " tag " + std::to_string(w.tag);
    case CudaWork::Kind::collective:
      return std::string(core::to_string(w.collective)) + " over group '" + (w.group ? w.group->name : "?") + "'";
  }
  return "?";
}

CudaWorld::CudaWorld(const LiveInput& input, WorldConfig config)
    : input_(input),
      config_(std::move(config)),
      rank_states_(static_cast<std::size_t>(input.ranks)),
      completions_(1, CompletionSlot{true, nullptr}),
      memory_(input.ranks, input.memory_capacity_bytes) {
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
  start_ = Clock::now();
  device_oom_.capacity_bytes = input.memory_capacity_bytes;
  watchdog_ = std::thread([this] { watchdog_loop(); });
}

CudaWorld::~CudaWorld() {
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && !aborted_) aborted_ = true;  // a world torn down early releases every waiter
  }
  stop_threads();
  release_device_resources();
}

double CudaWorld::now_s() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

void CudaWorld::enter_rank(int rank) {
  check_cuda(cudaSetDevice(device_of(rank)), "cudaSetDevice");
  RankState& r = rank_states_[static_cast<std::size_t>(rank)];
  check_cuda(cudaStreamCreateWithFlags(&r.alloc_stream, cudaStreamNonBlocking), "cudaStreamCreate");
  check_cuda(cudaStreamCreateWithFlags(&r.free_stream, cudaStreamNonBlocking), "cudaStreamCreate");
}

// Tensors come from the device's memory pool: the allocation stream carries nothing
// but allocations, so synchronising it right away costs no wait and makes the buffer
// usable on every stream.
core::Tensor CudaWorld::allocate(int rank, const core::TensorDesc& desc) {
  const std::int64_t bytes = desc.bytes();
  if (bytes < 0) throw std::logic_error("rank " + std::to_string(rank) + " allocates a tensor of negative size");
  RankState& r = rank_states_[static_cast<std::size_t>(rank)];
  void* data = nullptr;
  const cudaError_t status = cudaMallocAsync(&data, static_cast<std::size_t>(std::max<std::int64_t>(bytes, 1)), r.alloc_stream);
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear it: the run goes on with a tensor that has no buffer
    data = nullptr;
  } else {
    check_cuda(status, "cudaMallocAsync (tensor)");
    check_cuda(cudaStreamSynchronize(r.alloc_stream), "cudaStreamSynchronize (allocation)");
  }
  std::lock_guard lock(mu_);
  core::Tensor tensor{++next_tensor_, desc};
  tensors_.emplace(tensor.id, DeviceTensor{data, device_of(rank), bytes});
  const double time_s = now_s();
  if (data == nullptr && !device_oom_.happened) {
    device_oom_ = {true, rank, desc.tag, time_s, bytes, memory_.in_use(rank), input_.memory_capacity_bytes};
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
    for (const auto& [id, stream] : rank_states_[static_cast<std::size_t>(rank)].streams) {
      if (stream->last_end != nullptr) after.push_back(stream->last_end);
    }
  }
  tensor.id = 0;
  if (owned.data == nullptr) return;
  CUstream_st* free_stream = rank_states_[static_cast<std::size_t>(rank)].free_stream;
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

std::uint64_t CudaWorld::enqueue(int rank, int stream_id, CudaWork work) {
  std::lock_guard lock(mu_);
  if (aborted_) throw_abort();
  completions_.push_back({});
  work.completion = completions_.size() - 1;
  RankState& r = rank_states_[static_cast<std::size_t>(rank)];
  auto it = r.streams.find(stream_id);
  if (it == r.streams.end()) {
    auto state = std::make_unique<Stream>();
    state->rank = rank;
    state->id = stream_id;
    state->device = device_of(rank);
    Stream* raw = state.get();
    it = r.streams.emplace(stream_id, std::move(state)).first;
    raw->feeder = std::thread([this, raw] { feeder_loop(*raw); });
  }
  if (work.kind == CudaWork::Kind::collective) {
    // The n-th call on a group matches the n-th call of every other member.
    std::string key = work.group->name;
    for (int member : work.group->ranks) key.append(":").append(std::to_string(member));
    work.rendezvous = key + "#" + std::to_string(r.collective_calls[key]++);
  }
  const std::uint64_t id = work.completion;
  it->second->queue.push_back(std::move(work));
  changed();
  return id;
}

void CudaWorld::wait(int rank, std::uint64_t completion) {
  if (completion == 0) return;
  CUevent_st* end = nullptr;
  {
    std::unique_lock lock(mu_);
    RankState& r = rank_states_[static_cast<std::size_t>(rank)];
    r.blocked_on = "waiting for completion " + std::to_string(completion);
    changed_.wait(lock, [&] { return completions_[completion].enqueued || aborted_; });
    r.blocked_on.clear();
    if (!completions_[completion].enqueued) throw_abort();
    end = completions_[completion].end;
  }
  if (end != nullptr) check_cuda(cudaEventSynchronize(end), "cudaEventSynchronize");
}

CUevent_st* CudaWorld::record_event(Stream& stream, CUstream_st* on) {
  CUevent_st* event = nullptr;
  check_cuda(cudaEventCreate(&event), "cudaEventCreate");
  stream.events.push_back(event);
  check_cuda(cudaEventRecord(event, on), "cudaEventRecord");
  return event;
}

void CudaWorld::feeder_loop(Stream& stream) {
  CUstream_st* cuda = nullptr;
  std::unique_ptr<KernelRunner> runner;
  try {
    check_cuda(cudaSetDevice(stream.device), "cudaSetDevice");
    check_cuda(cudaStreamCreateWithFlags(&cuda, cudaStreamNonBlocking), "cudaStreamCreate");
    if (config_.run_kernels) runner = std::make_unique<KernelRunner>(cuda);
  } catch (const std::exception& e) {
    std::lock_guard lock(mu_);
    stream.cuda = cuda;
    if (!aborted_) abort("rank " + std::to_string(stream.rank) + " stream " + std::to_string(stream.id) + ": " + e.what(), false);
    return;
  }
  std::unique_lock lock(mu_);
  stream.cuda = cuda;
  stream.runner = std::move(runner);
  for (;;) {
    changed_.wait(lock, [&] { return !stream.queue.empty() || stopping_ || aborted_; });
    if (aborted_ || stream.queue.empty()) return;  // stopping with nothing left
    CudaWork work = std::move(stream.queue.front());
    stream.queue.pop_front();
    stream.current = describe(work);
    stream.executing = true;
    try {
      run(stream, work, lock);
    } catch (const std::exception& e) {
      if (!lock.owns_lock()) lock.lock();
      if (!aborted_) abort("rank " + std::to_string(stream.rank) + " stream " + std::to_string(stream.id) + ": " + e.what(), false);
      return;
    }
    stream.current.clear();
    stream.executing = false;
  }
}

void CudaWorld::run(Stream& stream, CudaWork& work, std::unique_lock<std::mutex>& lock) {
  PendingRecord pending;
  pending.device = stream.device;
  switch (work.kind) {
    case CudaWork::Kind::kernel: run_kernel(stream, work, pending, lock); break;
    case CudaWork::Kind::send: run_send(stream, work, pending, lock); break;
    case CudaWork::Kind::recv: run_recv(stream, work, pending, lock); break;
    case CudaWork::Kind::collective: run_collective(stream, work, pending, lock); break;
  }
  if (aborted_) return;
  core::TimelineRecord& rec = pending.record;
  rec.rank = stream.rank;
  rec.stream = stream.id;
  rec.name = std::move(work.name);
  rec.category = std::move(work.category);
  if (work.kind == CudaWork::Kind::kernel) {
    rec.flops = core::flops_of(work.op);
    rec.bytes = core::bytes_of(work.op);
  } else {
    rec.bytes = static_cast<double>(work.bytes);
  }
  rec.micro_batch = work.micro_batch;
  completions_[work.completion] = {true, pending.end};
  stream.last_end = pending.end;
  pending_.push_back(std::move(pending));
  changed();
}

void CudaWorld::run_kernel(Stream& stream, CudaWork& work, PendingRecord& pending, std::unique_lock<std::mutex>& lock) {
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

void CudaWorld::post_message(int from, int to, const core::Message& message) {
  if (to < 0 || to >= ranks()) {
    throw std::logic_error("rank " + std::to_string(from) + ": post_message to invalid rank " + std::to_string(to));
  }
  std::lock_guard lock(mu_);
  core::Message copy = message;
  copy.from = from;
  rank_states_[static_cast<std::size_t>(to)].inbox.push_back(std::move(copy));
  changed();
}

std::optional<core::Message> CudaWorld::receive_message(int rank, double timeout_s) {
  std::unique_lock lock(mu_);
  RankState& r = rank_states_[static_cast<std::size_t>(rank)];
  const auto ready = [&] { return !r.inbox.empty() || aborted_; };
  if (timeout_s < 0) {
    r.blocked_on = "receive_message (no timeout)";
    changed_.wait(lock, ready);
    r.blocked_on.clear();
  } else {
    changed_.wait_until(lock, Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s)),
                        ready);
  }
  if (aborted_) throw_abort();
  if (r.inbox.empty()) return std::nullopt;
  core::Message m = std::move(r.inbox.front());
  r.inbox.pop_front();
  return m;
}

void CudaWorld::log_decision(int rank, std::string_view kind, std::string_view detail) {
  std::lock_guard lock(mu_);
  decisions_.push_back({now_s(), rank, std::string(kind), std::string(detail)});
}

void CudaWorld::rank_finished(int rank) {
  std::lock_guard lock(mu_);
  rank_states_[static_cast<std::size_t>(rank)].finished = true;
  changed();
}

void CudaWorld::rank_failed(int rank, const std::string& what) {
  std::lock_guard lock(mu_);
  if (!aborted_) abort("rank " + std::to_string(rank) + ": " + what, false);
}

void CudaWorld::abort(std::string error, bool deadlock) {
  aborted_ = true;
  deadlocked_ = deadlock;
  error_ = std::move(error);
  changed();
}

void CudaWorld::throw_abort() const {
  if (deadlocked_) throw LiveDeadlockError(error_);
  throw std::runtime_error(error_.empty() ? "live CUDA run aborted" : error_);
}

bool CudaWorld::everyone_blocked() const {
  bool any_unfinished = false;
  for (const RankState& r : rank_states_) {
    if (!r.finished) {
      any_unfinished = true;
      if (r.blocked_on.empty()) return false;
    }
    for (const auto& [id, s] : r.streams) {
      if (s->executing) return false;
      if (!s->queue.empty() && s->current.empty()) return false;  // about to start
    }
  }
  return any_unfinished;
}

std::string CudaWorld::deadlock_report() const {
  std::ostringstream out;
  out << "deadlock: rank programs wait on each other forever (live CUDA run, t=" << now_s() << " s)";
  for (std::size_t rank = 0; rank < rank_states_.size(); ++rank) {
    const RankState& r = rank_states_[rank];
    if (r.finished) continue;
    out << "\n  rank " << rank << ": " << r.blocked_on;
    for (const auto& [id, s] : r.streams) {
      if (!s->current.empty()) out << "; stream " << id << " blocked in " << s->current;
      if (!s->queue.empty()) out << "; stream " << id << " has " << s->queue.size() << " queued (next: " << describe(s->queue.front()) << ")";
    }
  }
  return out.str();
}

void CudaWorld::watchdog_loop() {
  std::unique_lock lock(mu_);
  std::uint64_t seen = version_;
  auto since = Clock::now();
  while (!stopping_ && !aborted_) {
    changed_.wait_for(lock, std::chrono::milliseconds(20));
    if (stopping_ || aborted_) return;
    if (!everyone_blocked() || version_ != seen) {
      seen = version_;
      since = Clock::now();
      continue;
    }
    if (std::chrono::duration<double>(Clock::now() - since).count() >= input_.deadlock_grace_s) {
      abort(deadlock_report(), true);
      return;
    }
  }
}

void CudaWorld::stop_threads() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    changed();
  }
  for (RankState& r : rank_states_) {
    for (auto& [id, stream] : r.streams) {
      if (stream->feeder.joinable()) stream->feeder.join();
    }
  }
  if (watchdog_.joinable()) watchdog_.join();
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
  for (auto& [key, queue] : arrived_) {
    for (Staged& staged : queue) {
      if (cudaSetDevice(staged.device) == cudaSuccess) cudaFree(staged.data);
    }
  }
  arrived_.clear();
  for (RankState& r : rank_states_) {
    for (auto& [id, stream] : r.streams) {
      if (cudaSetDevice(stream->device) != cudaSuccess) continue;
      stream->runner.reset();  // frees scratch on its stream
      if (stream->cuda != nullptr) cudaStreamSynchronize(stream->cuda);
      for (CUevent_st* event : stream->events) cudaEventDestroy(event);
      stream->events.clear();
      if (stream->cuda != nullptr) cudaStreamDestroy(stream->cuda);
      stream->cuda = nullptr;
    }
    if (r.alloc_stream != nullptr) cudaStreamDestroy(r.alloc_stream);
    if (r.free_stream != nullptr) {
      cudaStreamSynchronize(r.free_stream);
      cudaStreamDestroy(r.free_stream);
    }
    r.alloc_stream = r.free_stream = nullptr;
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
  if (aborted_) {
    release_device_resources();
    throw_abort();
  }
  for (int d : devices_) {
    check_cuda(cudaSetDevice(d), "cudaSetDevice");
    check_cuda(cudaDeviceSynchronize(), "device work of the live run");
  }
  LiveResult result;
  core::RunRecords& records = result.records;
  records.node_of_rank.assign(static_cast<std::size_t>(input_.ranks), 0);
  for (std::size_t r = 0; r < input_.node_of_rank.size() && r < records.node_of_rank.size(); ++r) {
    records.node_of_rank[r] = input_.node_of_rank[r];
  }
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
    records.timeline.push_back(std::move(p.record));
  }
  // Completion order, as the CPU backend appends its records.
  std::stable_sort(records.timeline.begin(), records.timeline.end(),
                   [](const core::TimelineRecord& a, const core::TimelineRecord& b) { return a.end_s < b.end_s; });
  records.events_simulated = records.timeline.size();
  records.decisions = std::move(decisions_);
  memory_.export_to(records);
  if (!records.oom.happened && device_oom_.happened) records.oom = device_oom_;
  for (const core::TimelineRecord& rec : records.timeline) records.end_time_s = std::max(records.end_time_s, rec.end_s);
  release_device_resources();
  return result;
}

}  // namespace lcperf::backends::cuda
