// p2p and collectives of the live CUDA run: what a feeder enqueues when its stream
// reaches a send, a recv or a collective (see backends/README.md, "The CUDA runtime").
#include <algorithm>
#include <stdexcept>

#include "backends/cuda/cuda_status.hpp"
#include "backends/cuda/cuda_world.hpp"
#include "backends/cuda/device_ops.hpp"
#include "backends/cuda/nccl_comms.hpp"

namespace lcperf::backends::cuda {

namespace {

void copy_async(void* dst, const void* src, std::int64_t bytes, CUstream_st* stream, const char* what) {
  if (bytes <= 0) return;
  check_cuda(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(bytes), cudaMemcpyDefault, stream), what);
}

}  // namespace

CUstream_st* CudaWorld::inbound_stream(int rank, int from) {
  auto it = inbound_.find({rank, from});
  if (it != inbound_.end()) return it->second;
  int previous = 0;
  check_cuda(cudaGetDevice(&previous), "cudaGetDevice");
  check_cuda(cudaSetDevice(device_of(rank)), "cudaSetDevice");
  CUstream_st* stream = nullptr;
  check_cuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate (inbound)");
  check_cuda(cudaSetDevice(previous), "cudaSetDevice");
  inbound_[{rank, from}] = stream;
  return stream;
}

// Eager send. device_copies: the payload is copied, on the send stream, into a staging
// buffer of the sender's GPU; the send completes when the copy is done, whether or not
// the receiver has posted its recv. NCCL: the runtime posts the matching ncclRecv itself,
// into a staging buffer on the receiver's GPU, on a stream the receiver keeps for this
// sender, grouped with the ncclSend; the send completes when NCCL has delivered the
// payload there. Either way the recv later only copies out of the staging buffer.
void CudaWorld::run_send(CudaStream& stream, Work& work, PendingRecord& pending, Lock& lock) {
  const void* source = data_of(work.tensor, "send");
  lock.unlock();
  pending.start = record_event(stream, stream.cuda);
  Staged staged;
  staged.bytes = work.bytes;
  const auto staging_bytes = static_cast<std::size_t>(std::max<std::int64_t>(work.bytes, 1));
  if (nccl_ && work.bytes > 0) {
    std::lock_guard nccl(nccl_mu_);
    const int to_device = device_of(work.peer);
    CUstream_st* inbound = inbound_stream(work.peer, stream.rank);
    check_cuda(cudaSetDevice(to_device), "cudaSetDevice");
    check_cuda(cudaMallocAsync(&staged.data, staging_bytes, inbound), "cudaMallocAsync (p2p staging)");
    check_cuda(cudaSetDevice(stream.device), "cudaSetDevice");
    nccl_->send_recv(stream.rank, source, stream.cuda, work.peer, staged.data, inbound, work.bytes);
    check_cuda(cudaSetDevice(to_device), "cudaSetDevice");
    staged.device = to_device;
    staged.ready = record_event(stream, inbound);
    check_cuda(cudaSetDevice(stream.device), "cudaSetDevice");
    pending.end = record_event(stream, stream.cuda);
  } else {
    check_cuda(cudaMallocAsync(&staged.data, staging_bytes, stream.cuda), "cudaMallocAsync (p2p staging)");
    copy_async(staged.data, source, work.bytes, stream.cuda, "cudaMemcpyAsync (send)");
    staged.device = stream.device;
    pending.end = record_event(stream, stream.cuda);
    staged.ready = pending.end;
  }
  lock.lock();
  channels_.post(stream.rank, work.peer, work.tag, staged);
  changed();
}

void CudaWorld::run_recv(CudaStream& stream, Work& work, PendingRecord& pending, Lock& lock) {
  // The start event marks when the stream reached the recv, so time spent waiting for
  // the sender counts, as in the simulator.
  lock.unlock();
  pending.start = record_event(stream, stream.cuda);
  lock.lock();
  if (!wait_for_peer(stream, lock, [&] { return channels_.ready(work.peer, stream.rank, work.tag); })) return;
  const Staged staged = channels_.take(work.peer, stream.rank, work.tag);
  if (staged.bytes != work.bytes) {
    throw std::logic_error("recv of " + std::to_string(work.bytes) + " bytes from rank " + std::to_string(work.peer) +
                           " tag " + std::to_string(work.tag) + " matched a send of " + std::to_string(staged.bytes) +
                           " bytes");
  }
  void* target = data_of(work.tensor, "recv");
  lock.unlock();
  check_cuda(cudaStreamWaitEvent(stream.cuda, staged.ready, 0), "cudaStreamWaitEvent (recv)");
  copy_async(target, staged.data, work.bytes, stream.cuda, "cudaMemcpyAsync (recv)");
  pending.end = record_event(stream, stream.cuda);
  // The staging buffer goes back to its GPU's pool once the copy is done.
  if (staged.device == stream.device) {
    check_cuda(cudaFreeAsync(staged.data, stream.cuda), "cudaFreeAsync (p2p staging)");
  } else {
    CUstream_st* reclaim = reclaim_.at(staged.device);
    check_cuda(cudaStreamWaitEvent(reclaim, pending.end, 0), "cudaStreamWaitEvent (reclaim)");
    check_cuda(cudaFreeAsync(staged.data, reclaim), "cudaFreeAsync (p2p staging)");
  }
  lock.lock();
}

// A collective starts when every member's stream has reached it. Each member records
// its arrival on its own stream and registers; the last to arrive launches the whole
// collective: with NCCL, every member's call in one group, each on its member's stream;
// with device copies, the reductions and copies on its own stream after waiting for
// every arrival, then every other member's stream waits for that work. Only then do the
// members' feeders go on, so the next work on each stream follows the collective.
void CudaWorld::run_collective(CudaStream& stream, Work& work, PendingRecord& pending, Lock& lock) {
  const core::CommGroup& group = *work.group;
  const int n = static_cast<int>(group.ranks.size());
  const auto me = static_cast<std::size_t>(std::find(group.ranks.begin(), group.ranks.end(), stream.rank) - group.ranks.begin());
  void* own = data_of(work.tensor, "collective");
  lock.unlock();
  pending.start = record_event(stream, stream.cuda);
  if (n <= 1) {
    pending.end = record_event(stream, stream.cuda);
    lock.lock();
    return;
  }
  lock.lock();
  Rendezvous::Meeting& meeting =
      rendezvous_.arrive(work.call, n, static_cast<int>(me), {own, stream.cuda, pending.start});
  changed();
  if (meeting.everyone_arrived()) {
    lock.unlock();
    const std::int64_t elements = work.bytes / core::dtype_bytes(work.dtype);
    if (nccl_) {
      std::lock_guard nccl(nccl_mu_);
      std::vector<void*> buffers;
      std::vector<void*> streams;
      for (const CollectiveMember& member : meeting.members) {
        buffers.push_back(member.buffer);
        streams.push_back(member.stream);
      }
      nccl_->collective(work.collective, work.dtype, group.ranks, buffers, streams, elements);
    } else {
      for (std::size_t j = 0; j < meeting.members.size(); ++j) {
        if (j != me) {
          check_cuda(cudaStreamWaitEvent(stream.cuda, meeting.members[j].arrival, 0), "cudaStreamWaitEvent (collective)");
        }
      }
      copy_collective(stream.cuda, work, meeting);
      meeting.shared.done = record_event(stream, stream.cuda);
      meeting.shared.worker = static_cast<int>(me);
    }
    lock.lock();
    meeting.shared.launched = true;
    changed();
  } else if (!wait_for_peer(stream, lock, [&] { return meeting.shared.launched; })) {
    return;
  }
  const CollectiveLaunch launch = meeting.shared;
  lock.unlock();
  if (launch.done != nullptr && launch.worker != static_cast<int>(me)) {
    // (device copies) the work ran on the last member's stream; this one follows it.
    check_cuda(cudaStreamWaitEvent(stream.cuda, launch.done, 0), "cudaStreamWaitEvent (collective done)");
  }
  pending.end = record_event(stream, stream.cuda);
  lock.lock();
  // The last member out closes the meeting; everyone has read what it needed.
  rendezvous_.leave(work.call);
}

// The collective's data movement over device copies, on one stream, with the CPU
// backend's meaning (root = member 0, slices elements * i / n). Sums read every member's
// buffer at an element before writing that element, so they run in place.
void CudaWorld::copy_collective(CUstream_st* stream, const Work& work, const Rendezvous::Meeting& meeting) {
  const int n = meeting.size;
  const std::int64_t elem = core::dtype_bytes(work.dtype);
  const std::int64_t elements = work.bytes / elem;
  std::vector<const void*> inputs;
  for (const CollectiveMember& member : meeting.members) inputs.push_back(member.buffer);
  const auto buffer = [&](int member) { return meeting.members[static_cast<std::size_t>(member)].buffer; };
  const auto at = [&](int member, std::int64_t element) { return static_cast<char*>(buffer(member)) + element * elem; };
  switch (work.collective) {
    case core::CollectiveKind::all_reduce:
      sum_buffers(work.dtype, inputs.data(), n, buffer(0), 0, elements, stream);
      for (int j = 1; j < n; ++j) copy_async(at(j, 0), at(0, 0), elements * elem, stream, "cudaMemcpyAsync (all_reduce)");
      break;
    case core::CollectiveKind::reduce:
      sum_buffers(work.dtype, inputs.data(), n, buffer(0), 0, elements, stream);
      break;
    case core::CollectiveKind::reduce_scatter:
      // Member i's slice i becomes the sum of every member's slice i; nothing else changes.
      for (int i = 0; i < n; ++i) {
        const auto [begin, end] = member_slice(elements, i, n);
        sum_buffers(work.dtype, inputs.data(), n, buffer(i), begin, end, stream);
      }
      break;
    case core::CollectiveKind::all_gather:
      for (int i = 0; i < n; ++i) {
        const auto [begin, end] = member_slice(elements, i, n);
        for (int j = 0; j < n; ++j) {
          if (j != i) copy_async(at(j, begin), at(i, begin), (end - begin) * elem, stream, "cudaMemcpyAsync (all_gather)");
        }
      }
      break;
    case core::CollectiveKind::broadcast:
      for (int j = 1; j < n; ++j) copy_async(at(j, 0), at(0, 0), elements * elem, stream, "cudaMemcpyAsync (broadcast)");
      break;
    case core::CollectiveKind::all_to_all: {
      // Member i's block j comes from member j's block i; a staging buffer keeps every
      // source intact until all blocks have moved.
      const std::int64_t block = elements / n;
      const std::int64_t member_bytes = block * n * elem;
      if (member_bytes <= 0) break;
      void* staging = nullptr;
      check_cuda(cudaMallocAsync(&staging, static_cast<std::size_t>(member_bytes * n), stream), "cudaMallocAsync (all_to_all)");
      char* base = static_cast<char*>(staging);
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
          copy_async(base + i * member_bytes + j * block * elem, at(j, i * block), block * elem, stream,
                     "cudaMemcpyAsync (all_to_all)");
        }
      }
      for (int i = 0; i < n; ++i) copy_async(at(i, 0), base + i * member_bytes, member_bytes, stream, "cudaMemcpyAsync (all_to_all)");
      check_cuda(cudaFreeAsync(staging, stream), "cudaFreeAsync (all_to_all)");
      break;
    }
  }
}

}  // namespace lcperf::backends::cuda
