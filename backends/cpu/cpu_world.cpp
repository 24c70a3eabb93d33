#include "backends/cpu/cpu_world.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

#include "backends/cpu/buffer_math.hpp"
#include "backends/cpu/op_executor.hpp"
#include "kernels/profiling.hpp"

namespace lcperf::backends::cpu {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

CpuWorld::CpuWorld(const LiveInput& input) : LiveWorld(input, "live CPU run") { begin_run(); }

CpuWorld::~CpuWorld() { tear_down(); }

core::Tensor CpuWorld::allocate(int rank, const core::TensorDesc& desc) {
  const std::int64_t bytes = desc.bytes();
  if (bytes < 0) throw std::logic_error("rank " + std::to_string(rank) + " allocates a tensor of negative size");
  // Pages are touched only by the work that uses them, so accounting-only tensors
  // (model states that no op reads) cost address space, not memory traffic.
  auto storage = std::make_unique_for_overwrite<std::byte[]>(static_cast<std::size_t>(std::max<std::int64_t>(bytes, 1)));
  std::lock_guard lock(mu_);
  core::Tensor tensor{++next_tensor_, desc};
  buffers_.emplace(tensor.id, std::move(storage));
  memory_.allocate(rank, desc.tag, bytes, now_s());
  return tensor;
}

void CpuWorld::release(int rank, core::Tensor& tensor) {
  if (!tensor.valid()) throw std::logic_error("rank " + std::to_string(rank) + " releases an invalid tensor");
  std::unique_ptr<std::byte[]> storage;
  {
    std::lock_guard lock(mu_);
    auto it = buffers_.find(tensor.id);
    if (it == buffers_.end()) {
      throw std::logic_error("rank " + std::to_string(rank) + " releases tensor '" + tensor.desc.name + "' twice");
    }
    storage = std::move(it->second);
    buffers_.erase(it);
    memory_.release(rank, tensor.desc.tag, tensor.bytes(), now_s());
  }
  tensor.id = 0;
}

std::byte* CpuWorld::buffer(std::uint64_t tensor) {
  auto it = buffers_.find(tensor);
  if (it == buffers_.end()) throw std::logic_error("work on tensor " + std::to_string(tensor) + " after its release");
  return it->second.get();
}

std::span<std::byte> CpuWorld::buffer_span(const core::Tensor& tensor) {
  std::lock_guard lock(mu_);
  return {buffer(tensor.id), static_cast<std::size_t>(tensor.bytes())};
}

void CpuWorld::open_stream(Stream& stream) { set_scratch_owner(stream.rank, stream.id); }

void CpuWorld::execute(Stream& stream, Work& work, Lock& lock) {
  const double start = now_s();
  switch (work.kind) {
    case Work::Kind::kernel: run_kernel(stream, work, lock); break;
    case Work::Kind::send: run_send(stream, work, lock); break;
    case Work::Kind::recv: run_recv(stream, work, lock); break;
    case Work::Kind::collective: run_collective(stream, work, lock); break;
  }
  if (aborted()) return;
  core::TimelineRecord record = timeline_record(stream.rank, stream.id, work);
  record.start_s = start;
  record.end_s = now_s();
  timeline_.push_back(std::move(record));
  complete(work.completion);
}

void CpuWorld::run_kernel(Stream& stream, Work& work, Lock& lock) {
  lock.unlock();
  const double cpu_start = kernels::thread_cpu_seconds();
  const auto wall_start = Clock::now();
  std::vector<double> seconds = input().execute_op ? input().execute_op(work.op) : execute_op(work.op);
  const double wall = std::chrono::duration<double>(Clock::now() - wall_start).count();
  const double cpu = kernels::thread_cpu_seconds() - cpu_start;
  lock.lock();
  kernel_wall_s_ += wall;
  kernel_cpu_s_ += cpu;
  for (std::size_t i = 0; i < seconds.size() && i < work.op.parts.size(); ++i) {
    parts_.push_back({stream.rank, stream.id, work.op.name, work.op.micro_batch, static_cast<int>(i), work.op.parts[i],
                      seconds[i]});
  }
}

// Eager protocol: the payload is copied into a bounce buffer that belongs to the
// channel, so the send completes whether or not the receiver has posted its recv.
void CpuWorld::run_send(Stream& stream, Work& work, Lock& lock) {
  const std::byte* source = buffer(work.tensor);
  const auto bytes = static_cast<std::size_t>(work.bytes);
  lock.unlock();
  auto bounce = std::make_unique_for_overwrite<std::byte[]>(std::max<std::size_t>(bytes, 1));
  if (bytes > 0) std::memcpy(bounce.get(), source, bytes);
  lock.lock();
  channels_.post(stream.rank, work.peer, work.tag, std::move(bounce));
  changed();
}

void CpuWorld::run_recv(Stream& stream, Work& work, Lock& lock) {
  if (!wait_for_peer(stream, lock, [&] { return channels_.ready(work.peer, stream.rank, work.tag); })) return;
  Bytes bounce = channels_.take(work.peer, stream.rank, work.tag);
  std::byte* target = buffer(work.tensor);
  lock.unlock();
  if (work.bytes > 0) std::memcpy(target, bounce.get(), static_cast<std::size_t>(work.bytes));
  bounce.reset();
  lock.lock();
}

// Every member takes part in moving the data: in the first phase member i produces
// slice i of the result in a shared staging buffer (summing it over all members for
// the reductions), in the second each member copies what it needs from the staging
// buffer into its own. Barriers between the phases keep every buffer stable while
// others read it.
void CpuWorld::run_collective(Stream& stream, Work& work, Lock& lock) {
  const core::CommGroup& group = *work.group;
  const int n = static_cast<int>(group.ranks.size());
  const int me = static_cast<int>(std::find(group.ranks.begin(), group.ranks.end(), stream.rank) - group.ranks.begin());
  if (n <= 1) return;
  auto& meeting = rendezvous_.arrive(work.call, n, me, buffer(work.tensor));
  if (meeting.arrived == 1) {
    const std::size_t copies = work.collective == core::CollectiveKind::all_to_all ? static_cast<std::size_t>(n) : 1;
    meeting.shared.bytes.resize(static_cast<std::size_t>(work.bytes) * copies);
  }
  changed();
  if (!wait_for_peer(stream, lock, [&] { return meeting.everyone_arrived(); })) return;

  const std::int64_t elem = core::dtype_bytes(work.dtype);
  const std::int64_t elements = work.bytes / elem;
  const auto [begin, end] = member_slice(elements, me, n);
  std::byte* own = meeting.members[static_cast<std::size_t>(me)];
  std::byte* staging = meeting.shared.bytes.data();
  const std::vector<std::byte*>& all = meeting.members;
  lock.unlock();
  switch (work.collective) {
    case core::CollectiveKind::all_reduce:
    case core::CollectiveKind::reduce_scatter:
    case core::CollectiveKind::reduce:
      sum_elements(work.dtype, all.data(), n, staging, begin, end);
      break;
    case core::CollectiveKind::all_gather:
      std::memcpy(staging + begin * elem, own + begin * elem, static_cast<std::size_t>((end - begin) * elem));
      break;
    case core::CollectiveKind::broadcast:
      std::memcpy(staging + begin * elem, all[0] + begin * elem, static_cast<std::size_t>((end - begin) * elem));
      break;
    case core::CollectiveKind::all_to_all: {
      // Member me's block j comes from member j's block me.
      const std::int64_t block = elements / n;
      for (int j = 0; j < n; ++j) {
        std::memcpy(staging + (me * elements + j * block) * elem, all[static_cast<std::size_t>(j)] + me * block * elem,
                    static_cast<std::size_t>(block * elem));
      }
      break;
    }
  }
  lock.lock();
  ++meeting.shared.computed;
  changed();
  if (!wait_for_peer(stream, lock, [&] { return meeting.shared.computed == n; })) return;
  lock.unlock();
  switch (work.collective) {
    case core::CollectiveKind::all_reduce:
    case core::CollectiveKind::all_gather:
      std::memcpy(own, staging, static_cast<std::size_t>(elements * elem));
      break;
    case core::CollectiveKind::reduce_scatter:
      std::memcpy(own + begin * elem, staging + begin * elem, static_cast<std::size_t>((end - begin) * elem));
      break;
    case core::CollectiveKind::broadcast:
    case core::CollectiveKind::reduce:
      if (me != 0) {
        if (work.collective == core::CollectiveKind::broadcast) {
          std::memcpy(own, staging, static_cast<std::size_t>(elements * elem));
        }
      } else if (work.collective == core::CollectiveKind::reduce) {
        std::memcpy(own, staging, static_cast<std::size_t>(elements * elem));
      }
      break;
    case core::CollectiveKind::all_to_all:
      std::memcpy(own, staging + me * elements * elem, static_cast<std::size_t>(elements * elem));
      break;
  }
  lock.lock();
  ++meeting.shared.copied_out;
  changed();
  // Everyone's collective ends once every member has copied out.
  if (!wait_for_peer(stream, lock, [&] { return meeting.shared.copied_out == n; })) return;
  rendezvous_.leave(work.call);
}

LiveResult CpuWorld::finish() {
  stop_threads();
  std::lock_guard lock(mu_);
  if (aborted()) throw_abort();
  LiveResult result;
  result.records = take_records(std::move(timeline_));
  result.parts = std::move(parts_);
  result.kernel_wall_s = kernel_wall_s_;
  result.kernel_cpu_s = kernel_cpu_s_;
  return result;
}

}  // namespace lcperf::backends::cpu
